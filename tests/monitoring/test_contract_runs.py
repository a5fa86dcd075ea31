"""A stored run is judged against the endpoint's contract, and a changed contract stores
the same answers anew: their findings depend on it."""

import pytest

from diagnoser.inventory.services import endpoint_update, environment_update
from diagnoser.monitoring.models import ProbeRun, StoredFinding, Trigger
from diagnoser.probing.engine import ProbeEngine
from diagnoser.sharing.selectors import run_document
from tests.factories import run_probe_and_store, running_run
from tests.probing.servers import local_config
from tests.stubs import Reply, per_method, serving

pytestmark = pytest.mark.django_db

ALLOW = {"Allow": "GET, HEAD, OPTIONS"}


def test_a_declared_method_the_route_rejects_is_stored_and_a_new_contract_restores():
    served = {m: Reply(200, b"{}", ALLOW) for m in ("GET", "HEAD", "OPTIONS")}
    with (
        serving(per_method(served, otherwise=Reply(405, b"", ALLOW))) as server,
        ProbeEngine(local_config()) as engine,
    ):
        run = running_run(base_url=server.url(), path="/orders")
        environment_update(environment=run.environment, probe_policy="full")
        endpoint_update(endpoint=run.endpoint, declared_methods=["GET", "DELETE"])
        run_probe_and_store(engine=engine, run=_queued(run))
        first = StoredFinding.objects.get(rule="contract_method_missing")
        assert first.evidence["methods"] == ["DELETE"]
        # The document the API and share links give answers as the pages do: with it.
        stored = ProbeRun.objects.filter(observation=first.observation).latest("id")
        document = run_document(run=stored)
        assert document is not None
        assert document["answer"]["cause"] == "contract_method_missing"

        endpoint_update(endpoint=run.endpoint, declared_methods=["GET"])
        again = run_probe_and_store(engine=engine, run=_queued(run))
    assert again.changed  # same answers, but judged against another contract
    assert not StoredFinding.objects.filter(
        observation=again.observation, rule__startswith="contract_"
    ).exists()


def _queued(like: ProbeRun) -> ProbeRun:
    return ProbeRun.objects.create(
        endpoint=like.endpoint, environment=like.environment, trigger=Trigger.MANUAL
    )
