"""A stored run is judged against the endpoint's contract, and a changed contract stores
the same answers anew: their findings depend on it."""

from datetime import UTC, datetime

import pytest

from diagnoser.inventory.services import endpoint_update
from diagnoser.monitoring.models import ProbeRun, StoredFinding, Trigger
from diagnoser.monitoring.services.runs import run_store
from diagnoser.probing.model import Observation, ProbeKind, ProbePolicy, ProbeReport, Target
from tests.factories import running_run

pytestmark = pytest.mark.django_db

ALLOW = {"allow": "GET, HEAD, OPTIONS", "content-type": "text/plain"}


def _report() -> ProbeReport:
    """GET is served; every other method gets a correct 405."""
    answers = {"GET": 200, "HEAD": 200, "OPTIONS": 200, "POST": 405, "PUT": 405, "DELETE": 405}
    observations = tuple(
        Observation(
            probe=method,
            kind=ProbeKind.PLAIN,
            method=method,
            status=status,
            headers=tuple(ALLOW.items()) if status == 405 or method == "OPTIONS" else (),
        )
        for method, status in answers.items()
    )
    target = Target(url="http://api.example/orders", policy=ProbePolicy.FULL)
    return ProbeReport(target, observations, datetime.now(UTC), 5.0)


def test_a_declared_method_the_route_rejects_is_stored_and_a_new_contract_restores():
    run = running_run(base_url="http://api.example", path="/orders")
    endpoint_update(endpoint=run.endpoint, declared_methods=["GET", "DELETE"])
    assert run_store(run=run, report=_report(), previous=None)
    first = StoredFinding.objects.get(rule="contract_method_missing")
    assert first.evidence["methods"] == ["DELETE"]

    endpoint_update(endpoint=run.endpoint, declared_methods=["GET"])
    again = ProbeRun.objects.create(
        endpoint=run.endpoint,
        environment=run.environment,
        trigger=Trigger.MANUAL,
        state=ProbeRun.State.RUNNING,
    )
    assert run_store(run=again, report=_report(), previous=first.observation)
    again.refresh_from_db()
    assert again.changed
    assert not StoredFinding.objects.filter(
        observation=again.observation, rule__startswith="contract_"
    ).exists()
