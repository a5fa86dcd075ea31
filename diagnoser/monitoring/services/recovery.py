"""What the sweeper (beat, every DIAGNOSER_SWEEP_EVERY seconds) does after a fault.

- A run left running past DIAGNOSER_RUN_STALE_AFTER lost its worker (killed, OOM, host
  gone): queued again until DIAGNOSER_RUN_MAX_ATTEMPTS, then failed with the reason.
- A run still queued DIAGNOSER_RUN_REPUBLISH_AFTER after its message was published lost
  that message (a broker restarted without persistence): published again. A second
  message for a run whose first was only slow costs one skipped claim.
- A drift report nothing is pending for, but that nobody finished (its last probe task
  died between storing its run and finishing the report), is finished; so is one whose
  runs outlived DIAGNOSER_DRIFT_REPORT_DEADLINE.
Every move is a conditional UPDATE, so two sweepers (two beats) at once do each move once.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from diagnoser.monitoring.models import DriftReport, ProbeRun
from diagnoser.monitoring.queue import BrokerUnavailable, publish_many
from diagnoser.monitoring.services.drift_reports import (
    drift_report_finish,
    drift_report_maybe_finish,
)
from diagnoser.monitoring.services.runs import PROBE_TASK, alerts_after_commit

log = logging.getLogger(__name__)

# Published again per sweep at most: a backlog that large is drained, not lost.
REPUBLISH_BATCH = 5000


def _republish(run_ids: list[int]) -> None:
    try:
        publish_many(PROBE_TASK, [(run_id,) for run_id in run_ids])
    except BrokerUnavailable:
        log.exception("could not publish runs %s again: the next sweep tries", run_ids)


def _cutoff(now: datetime, older_than: timedelta | None, *, default_seconds: float) -> datetime:
    """The moment before which a run counts as stale: `older_than` ago (the tests' zero
    included), else the setting's seconds ago."""
    return now - (older_than if older_than is not None else timedelta(seconds=default_seconds))


def runs_recover_stale(*, older_than: timedelta | None = None) -> tuple[list[int], list[int]]:
    """Re-queue runs whose worker was lost, or fail those out of attempts.

    Returns the ids (requeued, failed). Broker redelivery may also reclaim a stale run:
    the claim decides.
    """
    now = timezone.now()
    cutoff = _cutoff(now, older_than, default_seconds=settings.DIAGNOSER_RUN_STALE_AFTER)
    stale = ProbeRun.objects.filter(state=ProbeRun.State.RUNNING, started_at__lt=cutoff)
    max_attempts = settings.DIAGNOSER_RUN_MAX_ATTEMPTS
    failed: list[int] = []
    requeued: list[int] = []
    for run in stale.only("id", "attempt", "claimed_by", "started_at"):
        reason = (
            f"worker lost: {run.claimed_by or 'a worker'} started attempt {run.attempt} at "
            f"{run.started_at:%Y-%m-%d %H:%M:%S}Z and never finished"
        )
        if run.attempt >= max_attempts:
            reason += f"; gave up after {max_attempts} attempts"
            moved = stale.filter(id=run.id).update(
                state=ProbeRun.State.FAILED, failure_reason=reason, finished_at=now
            )
            if moved:
                failed.append(run.id)
                alerts_after_commit(run_id=run.id)  # a probe failure, as run_fail's
        else:
            moved = stale.filter(id=run.id).update(
                state=ProbeRun.State.QUEUED, failure_reason=reason + "; re-queued", published_at=now
            )
            if moved:
                requeued.append(run.id)
    if requeued:
        _republish(requeued)
    return requeued, failed


def runs_republish_lost(*, older_than: timedelta | None = None) -> list[int]:
    """Publish again the runs still queued long after their message went out."""
    now = timezone.now()
    cutoff = _cutoff(now, older_than, default_seconds=settings.DIAGNOSER_RUN_REPUBLISH_AFTER)
    lost = ProbeRun.objects.filter(state=ProbeRun.State.QUEUED, published_at__lt=cutoff)
    run_ids = list(lost.order_by("published_at").values_list("id", flat=True)[:REPUBLISH_BATCH])
    if not run_ids:
        return []
    lost.filter(id__in=run_ids).update(published_at=now)
    log.warning("%s queued runs lost their message; publishing them again", len(run_ids))
    _republish(run_ids)
    return run_ids


def drift_reports_recover(*, deadline: timedelta | None = None) -> list[int]:
    """Finish reports that wait for nothing, waited too long, or whose finishing task died."""
    now = timezone.now()
    deadline = deadline or timedelta(seconds=settings.DIAGNOSER_DRIFT_REPORT_DEADLINE)
    recovered = []
    running = DriftReport.objects.filter(state=DriftReport.State.RUNNING)
    overdue = running.filter(created_at__lt=now - deadline)
    for report_id in overdue.values_list("id", flat=True):
        ProbeRun.objects.filter(drift_reports=report_id, state__in=ProbeRun.PENDING).update(
            state=ProbeRun.State.FAILED,
            failure_reason="drift report deadline passed before this run finished",
            finished_at=now,
        )
        if drift_report_maybe_finish(report_id=report_id):
            recovered.append(report_id)
    pending = ProbeRun.objects.filter(drift_reports=OuterRef("pk"), state__in=ProbeRun.PENDING)
    for report_id in running.filter(~Exists(pending)).values_list("id", flat=True):
        if drift_report_maybe_finish(report_id=report_id):
            recovered.append(report_id)
    stuck = DriftReport.objects.filter(
        state=DriftReport.State.FINISHING,
        created_at__lt=now - timedelta(seconds=settings.DIAGNOSER_RUN_STALE_AFTER),
    )
    for report_id in stuck.values_list("id", flat=True):
        drift_report_finish(report_id=report_id)
        recovered.append(report_id)
    return recovered
