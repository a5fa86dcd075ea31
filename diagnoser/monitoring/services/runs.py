"""Probe runs: request, claim, record, recover.

A run moves queued -> running -> done|failed. The move to running is a conditional
UPDATE, so when the broker delivers a task twice only one delivery probes; a run left
running by a dead worker is reclaimed once it is older than any live task can be.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from diagnoser.analysis.diagnose import diagnose
from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.monitoring.models import (
    DriftReport,
    ProbeRun,
    StoredFinding,
    StoredObservation,
    Trigger,
)
from diagnoser.monitoring.queue import BrokerUnavailable, publish_many
from diagnoser.monitoring.serialize import (
    content_hash,
    finding_to_json,
    matrix_to_json,
    observation_to_json,
)
from diagnoser.monitoring.services.latest import latest_run_set
from diagnoser.probing.model import ProbeReport

log = logging.getLogger(__name__)

PROBE_TASK = "diagnoser.monitoring.tasks.probe_target"


def _publish_runs(run_ids: Sequence[int]) -> None:
    try:
        publish_many(PROBE_TASK, [(run_id,) for run_id in run_ids])
    except BrokerUnavailable as error:
        ProbeRun.objects.filter(id__in=run_ids, state=ProbeRun.State.QUEUED).update(
            state=ProbeRun.State.FAILED,
            failure_reason=f"broker unavailable: {error.error}",
            finished_at=timezone.now(),
        )
        raise


def runs_request(
    *,
    targets: Iterable[tuple[Endpoint, Environment]],
    trigger: str = Trigger.MANUAL,
    drift_report: DriftReport | None = None,
) -> list[ProbeRun]:
    """Create queued runs and publish one probe task each once the rows are committed.

    If the broker is down the runs are marked failed with the reason and BrokerUnavailable
    reaches the caller when the outermost transaction commits.
    """
    now = timezone.now()
    runs = ProbeRun.objects.bulk_create(
        [
            ProbeRun(
                endpoint=endpoint,
                environment=environment,
                trigger=trigger,
                drift_report=drift_report,
                queued_at=now,
            )
            for endpoint, environment in targets
        ]
    )
    run_ids = [run.id for run in runs]
    transaction.on_commit(lambda: _publish_runs(run_ids))
    return runs


def run_request(*, endpoint: Endpoint, environment: Environment, trigger: str = Trigger.MANUAL):
    return runs_request(targets=[(endpoint, environment)], trigger=trigger)[0]


def _stale_cutoff():
    return timezone.now() - timedelta(seconds=settings.DIAGNOSER_RUN_STALE_AFTER)


def run_claim(*, run_id: int, worker: str) -> bool:
    """Take the run for this worker. False: another delivery has it or it is finished."""
    claimable = Q(state=ProbeRun.State.QUEUED) | Q(
        state=ProbeRun.State.RUNNING, started_at__lt=_stale_cutoff()
    )
    claimed = ProbeRun.objects.filter(
        claimable, id=run_id, attempt__lt=settings.DIAGNOSER_RUN_MAX_ATTEMPTS
    ).update(
        state=ProbeRun.State.RUNNING,
        started_at=timezone.now(),
        claimed_by=worker[:200],
        attempt=F("attempt") + 1,
    )
    return claimed == 1


def _latest_observation(*, endpoint_id: int, environment_id: int) -> StoredObservation | None:
    return (
        StoredObservation.objects.filter(endpoint_id=endpoint_id, environment_id=environment_id)
        .order_by("-created_at", "-id")
        .first()
    )


def run_record(*, run: ProbeRun, report: ProbeReport) -> ProbeRun:
    """Store the report, reusing the target's previous observation when nothing changed."""
    digest = content_hash(report.observations, url=report.target.url, policy=report.target.policy)
    with transaction.atomic():
        previous = _latest_observation(
            endpoint_id=run.endpoint_id, environment_id=run.environment_id
        )
        changed = previous is None or previous.content_hash != digest
        if changed:
            diagnosis = diagnose(report)
            observation = StoredObservation.objects.create(
                endpoint_id=run.endpoint_id,
                environment_id=run.environment_id,
                content_hash=digest,
                observations=[observation_to_json(o) for o in report.observations],
                matrix=matrix_to_json(diagnosis.matrix),
                url=report.target.url,
                policy=report.target.policy.value,
                notes=list(report.notes),
            )
            StoredFinding.objects.bulk_create(
                StoredFinding(
                    observation=observation,
                    rule=f.rule,
                    severity=f.severity.value,
                    title=f.title[:500],
                    explanation=f.explanation,
                    evidence=finding_to_json(f)["evidence"],
                    fix=list(f.fix),
                    reproduce=list(f.reproduce),
                )
                for f in diagnosis.findings
            )
        else:
            assert previous is not None
            observation = previous
        finished_at = timezone.now()
        updated = ProbeRun.objects.filter(id=run.id, state=ProbeRun.State.RUNNING).update(
            state=ProbeRun.State.DONE,
            observation=observation,
            changed=changed,
            finished_at=finished_at,
        )
        if not updated:
            # Reclaimed as stale by another worker meanwhile: its result will be stored.
            transaction.set_rollback(True)
            log.warning("run %s was reclaimed before it finished; result dropped", run.id)
        else:
            latest_run_set(
                run=run,
                observation=observation,
                finished_at=finished_at,
                findings=[(f.severity.value, f.rule, f.title[:500]) for f in diagnosis.findings]
                if changed
                else None,
            )
    run.refresh_from_db()
    return run


def run_fail(*, run_id: int, reason: str) -> None:
    ProbeRun.objects.filter(
        id=run_id, state__in=[ProbeRun.State.QUEUED, ProbeRun.State.RUNNING]
    ).update(state=ProbeRun.State.FAILED, failure_reason=reason, finished_at=timezone.now())


def runs_recover_stale(*, older_than: timedelta | None = None) -> tuple[list[int], list[int]]:
    """Runs still running past the stale age lost their worker (killed, OOM, host gone).

    Re-queue those with attempts left and fail the rest with the reason. Returns the ids
    (requeued, failed). Broker redelivery may also reclaim a stale run: the claim decides.
    """
    cutoff = timezone.now() - (
        older_than
        if older_than is not None
        else timedelta(seconds=settings.DIAGNOSER_RUN_STALE_AFTER)
    )
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
                state=ProbeRun.State.FAILED, failure_reason=reason, finished_at=timezone.now()
            )
            if moved:
                failed.append(run.id)
        else:
            moved = stale.filter(id=run.id).update(
                state=ProbeRun.State.QUEUED, failure_reason=reason + "; re-queued"
            )
            if moved:
                requeued.append(run.id)
    if requeued:
        try:
            _publish_runs(requeued)
        except BrokerUnavailable:
            log.exception("could not re-queue stale runs %s", requeued)
    return requeued, failed
