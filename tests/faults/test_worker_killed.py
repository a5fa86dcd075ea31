"""A worker SIGKILLed in the middle of a scheduled sweep: its runs are taken up again and
every slot still ends with one complete report."""

import pytest

from diagnoser.monitoring.models import DriftReport, ProbeRun
from tests.faults.conftest import report_count, settled_reports, two_workers_sweeping
from tests.monitoring.fixtures import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EVERY = 3


def test_runs_of_a_killed_worker_are_retried_and_every_slot_reports_once(specimens, cluster):
    # Answers take 0.2 s: a run takes long enough to be caught in the middle.
    check = two_workers_sweeping(specimens, cluster, latency=0.2, every=EVERY)
    victim = cluster.hostname("faults-a")

    held = wait_for(
        lambda: list(
            ProbeRun.objects.filter(state="running", claimed_by__startswith=victim).values_list(
                "id", flat=True
            )
        ),
        timeout=60,
        what="worker a to be probing",
    )
    cluster.kill("faults-a")
    killed_during = DriftReport.objects.get(runs__id=held[0])
    reports = settled_reports(check, at_least=report_count(check) + 2, targets=8)
    assert killed_during in reports
    for run in ProbeRun.objects.filter(id__in=held):
        assert run.state == "done"
        assert run.attempt >= 2
        assert "worker lost" in run.failure_reason
