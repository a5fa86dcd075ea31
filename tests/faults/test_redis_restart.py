"""Redis restarted in the middle of a scheduled sweep, losing every queued message (no
persistence), and down when the next slot starts: the runs whose messages were lost, and
the runs of that slot, are published again, and every slot still ends with one complete
report."""

import time
from datetime import UTC, datetime

import pytest

from diagnoser.monitoring.models import ProbeRun
from tests.faults.conftest import report_count, settled_reports, two_workers_sweeping
from tests.monitoring.fixtures import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EVERY = 3


def test_runs_whose_messages_redis_lost_are_published_again(specimens, cluster, private_redis):
    # Answers take 0.3 s: runs wait in the queue behind the ones being probed.
    check = two_workers_sweeping(specimens, cluster, latency=0.3, every=EVERY, threads=2)

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

    reports = settled_reports(check, at_least=report_count(check) + 2, targets=8)
    assert outage_slot in {report.scheduled_for for report in reports}
    assert set(ProbeRun.objects.filter(id__in=lost).values_list("state", flat=True)) == {"done"}
    logs = cluster.log("faults-a") + cluster.log("faults-b")
    assert "lost their message; publishing them again" in logs
