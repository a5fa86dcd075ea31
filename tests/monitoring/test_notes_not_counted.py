"""Notes (what our probing did) are stored nowhere a finding is counted: not as stored
findings, not as a target's worst finding on the overview."""

from datetime import UTC, datetime

import pytest

from diagnoser.monitoring.models import LatestRun, ProbeRun, StoredFinding, Trigger
from diagnoser.monitoring.services.runs import run_store
from diagnoser.probing.model import Observation, ProbeKind, ProbeReport, Target
from tests.factories import running_run

pytestmark = pytest.mark.django_db

ALLOW = {"allow": "GET, HEAD, PUT, OPTIONS", "content-type": "application/json"}


def _report(url: str) -> ProbeReport:
    """A resource served correctly whose server performed our guarded PUT anyway."""
    answers = {
        "GET": (200, {"content-type": "application/json"}),
        "HEAD": (200, {"content-type": "application/json"}),
        "POST": (405, ALLOW),
        "PUT": (204, {}),
        "OPTIONS": (200, ALLOW),
    }
    observations = tuple(
        Observation(
            probe=method,
            kind=ProbeKind.PLAIN,
            method=method,
            status=status,
            headers=tuple(headers.items()),
        )
        for method, (status, headers) in answers.items()
    )
    return ProbeReport(Target(url=url), observations, datetime.now(UTC), 5.0)


def _run() -> ProbeRun:
    return running_run(base_url="http://api.example", path="/items/1")


def test_a_note_is_not_stored_as_a_finding_nor_the_targets_worst() -> None:
    run = _run()

    assert run_store(run=run, report=_report("http://api.example/items/1"), previous=None)

    assert not StoredFinding.objects.filter(rule="precondition_ignored").exists()
    latest = LatestRun.objects.get(endpoint=run.endpoint, environment=run.environment)
    assert latest.worst_rule != "precondition_ignored"


def test_a_note_stored_before_notes_existed_is_never_the_worst() -> None:
    first = _run()
    report = _report("http://api.example/items/1")
    run_store(run=first, report=report, previous=None)
    first.refresh_from_db()
    observation = first.observation
    assert observation is not None
    StoredFinding.objects.create(
        observation=observation,
        rule="precondition_ignored",
        severity="warning",
        title="PUT with a failing If-Match got 204",
        explanation="",
        evidence={},
        fix=[],
        reproduce=[],
    )
    LatestRun.objects.all().delete()  # make the next run recompute it from stored rows
    again = ProbeRun.objects.create(
        endpoint=first.endpoint,
        environment=first.environment,
        trigger=Trigger.MANUAL,
        state=ProbeRun.State.RUNNING,
    )

    assert run_store(run=again, report=report, previous=observation)

    latest = LatestRun.objects.get(endpoint=first.endpoint, environment=first.environment)
    assert latest.worst_rule != "precondition_ignored"
