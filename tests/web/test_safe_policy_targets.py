"""A registered endpoint with a route template, probed with the default (safe) policy:
PATCH and DELETE are observed on a phantom id, never on the sample, and environments
that drift on PATCH still show it."""

import pytest

from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.model import Basis, Verdict
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from tests.monitoring.fixtures import LOOPBACK
from tests.web.pages_data import probe

pytestmark = pytest.mark.django_db


def test_safe_environments_observe_patch_on_a_phantom_id_of_the_template(trio, specimens, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = service_create(workspace=trio.acme, name="shop")
    staging = environment_create(service=service, name="staging", base_url=specimens.url("staging"))
    prod = environment_create(
        service=service, name="prod", base_url=specimens.url("prod"), is_production=True
    )
    endpoint = endpoint_create(service=service, path="/items/{id}", samples={"id": "0"})

    reports = {env.name: probe(endpoint, env) for env in (staging, prod)}
    patch = {name: diagnose(r).matrix.cell("PATCH") for name, r in reports.items()}

    assert staging.probe_policy == prod.probe_policy == "safe"
    for report in reports.values():
        unsafe = [o for o in report.observations if o.method in {"PATCH", "DELETE", "PUT"}]
        assert {o.probe for o in unsafe} >= {"phantom:PATCH", "phantom:DELETE"}
        assert all(o.probe.startswith(("phantom:", "preflight:")) for o in unsafe)
        assert not any(o.url.endswith("/items/0") for o in unsafe)
    staging_patch, prod_patch = patch["staging"], patch["prod"]
    assert staging_patch is not None
    assert prod_patch is not None
    # staging serves PATCH (412: the failing If-Match), prod never deployed it (405).
    assert (staging_patch.verdict, staging_patch.basis) == (Verdict.ACCEPTED, Basis.PHANTOM)
    assert (prod_patch.verdict, prod_patch.status) == (Verdict.REJECTED, 405)
