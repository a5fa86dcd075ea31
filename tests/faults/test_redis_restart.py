"""Redis restarted in the middle of a scheduled sweep, losing every queued message (no
persistence), and down when the next slot starts: the runs whose messages were lost, and
the runs of that slot, are published again, and every slot still ends with one complete
report."""

import time
from datetime import UTC, datetime

import pytest

from diagnoser.monitoring.models import DriftReport, ProbeRun
from tests.faults.conftest import (
    assert_every_slot_once,
    scheduled_check,
    stop_scheduling,
    wait_for_reports,
    wait_until_settled,
)
from tests.monitoring.fixtures import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EVERY = 3


def test_runs_whose_messages_redis_lost_are_published_again(specimens, cluster, private_redis):
    for app in specimens.apps.values():
        app.latency = 0.3  # runs wait in the queue behind the ones being probed
    check = scheduled_check(specimens, every=EVERY, endpoints=4)
    cluster.worker("faults-a", threads=2)
    cluster.worker("faults-b", threads=2)
    cluster.beat("beat")

    def mid_sweep() -> list[int]:
        queued = list(ProbeRun.objects.filter(state="queued").values_list("id", flat=True))
        probing = ProbeRun.objects.filter(state="running").exists()
        return queued if probing and private_redis.messages(cluster.queue) else []

    lost = wait_for(mid_sweep, timeout=60, what="runs queued in Redis while others probe")
    private_redis.kill()
    # Down from before the next slot starts until after the publish retries of its runs
    # (about 1.5 s, CELERY_TASK_PUBLISH_RETRY_POLICY) ran out.
    outage_slot = datetime.fromtimestamp((time.time() // EVERY + 1) * EVERY, tz=UTC)
    time.sleep(outage_slot.timestamp() - time.time() + 2.2)
    private_redis.start()
    assert private_redis.messages(cluster.queue) == 0  # every queued message is gone

    wait_for_reports(check, DriftReport.objects.filter(drift_check=check).count() + 2)
    stop_scheduling(check)
    wait_until_settled(check)

    reports = assert_every_slot_once(check, targets=8)
    assert outage_slot in {report.scheduled_for for report in reports}
    assert set(ProbeRun.objects.filter(id__in=lost).values_list("state", flat=True)) == {"done"}
    logs = cluster.log("faults-a") + cluster.log("faults-b")
    assert "lost their message; publishing them again" in logs
