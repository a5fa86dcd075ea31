"""Probe runs: request, claim, load, store.

A run moves queued -> running -> done|failed. The move to running is a conditional
UPDATE, so when the broker delivers a task twice only one delivery probes; a run left
running by a dead worker is reclaimed once it is older than any live task can be
(services/recovery.py).

A probe task's database work is kept to a few round trips (they dominate a sweep on
PostgreSQL): claim, load (run, target and the latest observation's hash in one query),
the secret headers when the environment has any, then for an unchanged target two
UPDATEs (run, LatestRun); a changed one stores its observation and findings in one
transaction.
"""

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from diagnoser.analysis.diagnose import diagnose
from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.inventory.selectors import target_for
from diagnoser.monitoring.models import (
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
from diagnoser.monitoring.services.alert_events import run_alerts_queue
from diagnoser.monitoring.services.latest import latest_run_set
from diagnoser.probing.model import ProbeReport, Target

log = logging.getLogger(__name__)

PROBE_TASK = "diagnoser.monitoring.tasks.probe_target"


def _publish_runs(run_ids: Sequence[int], *, fail_unpublished: bool) -> None:
    try:
        publish_many(PROBE_TASK, [(run_id,) for run_id in run_ids])
    except BrokerUnavailable as error:
        if not fail_unpublished:
            log.warning("runs %s stay queued: %s; the sweeper publishes them again", run_ids, error)
            return
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
    fail_unpublished: bool = True,
) -> list[ProbeRun]:
    """Create queued runs and publish one probe task each once the rows are committed.

    If the broker is down the runs are marked failed with the reason and BrokerUnavailable
    reaches the caller when the outermost transaction commits; unless fail_unpublished is
    off (nobody waits on scheduled work): then they stay queued for the sweeper.
    """
    now = timezone.now()
    # What every run of the request shares: why it runs and when it was queued and sent.
    shared: dict[str, Any] = {
        "trigger": trigger,
        "queued_at": now,
        "published_at": now,
    }
    runs = ProbeRun.objects.bulk_create(
        [
            ProbeRun(endpoint=endpoint, environment=environment, **shared)
            for endpoint, environment in targets
        ]
    )
    run_ids = [run.id for run in runs]
    transaction.on_commit(lambda: _publish_runs(run_ids, fail_unpublished=fail_unpublished))
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


def _latest_of_target(*, endpoint_id: Any, environment_id: Any) -> QuerySet[StoredObservation]:
    return StoredObservation.objects.filter(
        endpoint_id=endpoint_id, environment_id=environment_id
    ).order_by("-created_at", "-id")


@dataclass(frozen=True)
class ProbeWork:
    """A claimed run and what probing and storing it need."""

    run: ProbeRun  # with its endpoint and environment
    # The target's latest observation, as its id and content hash: the other fields are
    # read from the database only if something asks for them.
    previous: StoredObservation | None

    def target(self) -> Target:
        return target_for(endpoint=self.run.endpoint, environment=self.run.environment)


def run_load(*, run_id: int) -> ProbeWork:
    """One query: the run, its endpoint and environment, and the target's latest
    observation id and hash (what store compares the new answers with)."""
    latest = _latest_of_target(
        endpoint_id=OuterRef("endpoint_id"), environment_id=OuterRef("environment_id")
    )
    run = (
        ProbeRun.objects.select_related("endpoint", "environment")
        .annotate(
            previous_id=Subquery(latest.values("id")[:1]),
            previous_hash=Subquery(latest.values("content_hash")[:1]),
        )
        .get(id=run_id)
    )
    previous = None
    if run.previous_id is not None:
        previous = StoredObservation.from_db(
            run._state.db, ["id", "content_hash"], [run.previous_id, run.previous_hash]
        )
    return ProbeWork(run=run, previous=previous)


def _run_done(
    *, run: ProbeRun, observation: StoredObservation, changed: bool, finished_at: datetime
) -> bool:
    updated = ProbeRun.objects.filter(id=run.id, state=ProbeRun.State.RUNNING).update(
        state=ProbeRun.State.DONE,
        observation=observation,
        changed=changed,
        finished_at=finished_at,
    )
    if not updated:
        # Reclaimed as stale by another worker meanwhile: its result will be stored.
        log.warning("run %s was reclaimed before it finished; result dropped", run.id)
    return bool(updated)


def run_store(*, run: ProbeRun, report: ProbeReport, previous: StoredObservation | None) -> bool:
    """Store the report, pointing at `previous` (the target's latest observation) when
    nothing changed. False when the run was reclaimed meanwhile and the result dropped.

    An unchanged run is two UPDATEs outside a transaction: a crash between them leaves
    the target's LatestRun on its previous run, which holds this very observation.
    """
    declared = tuple(run.endpoint.declared_methods)
    digest = content_hash(
        report.observations,
        url=report.target.url,
        policy=report.target.policy,
        declared=declared,
    )
    if previous is not None and previous.content_hash == digest:
        finished_at = timezone.now()
        if not _run_done(run=run, observation=previous, changed=False, finished_at=finished_at):
            return False
        latest_run_set(run=run, observation=previous, finished_at=finished_at, findings=None)
        return True
    diagnosis = diagnose(report, declared=declared)
    with transaction.atomic():
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
        finished_at = timezone.now()
        if not _run_done(run=run, observation=observation, changed=True, finished_at=finished_at):
            transaction.set_rollback(True)
            return False
        latest_run_set(
            run=run,
            observation=observation,
            finished_at=finished_at,
            findings=[(f.severity.value, f.rule, f.title[:500]) for f in diagnosis.findings],
        )
        alerts_after_commit(run_id=run.id)
    return True


def run_record(*, run: ProbeRun, report: ProbeReport) -> ProbeRun:
    """Store the report of a run claimed by the caller, and return the run as stored."""
    previous = (
        _latest_of_target(endpoint_id=run.endpoint_id, environment_id=run.environment_id)
        .only("id", "content_hash")
        .first()
    )
    run_store(run=run, report=report, previous=previous)
    run.refresh_from_db()
    return run


def run_fail(*, run_id: int, reason: str) -> None:
    failed = ProbeRun.objects.filter(
        id=run_id, state__in=[ProbeRun.State.QUEUED, ProbeRun.State.RUNNING]
    ).update(state=ProbeRun.State.FAILED, failure_reason=reason, finished_at=timezone.now())
    if failed:
        alerts_after_commit(run_id=run_id)


def alerts_after_commit(*, run_id: int) -> None:
    """Only runs that changed something or failed get here: an unchanged sweep pays
    nothing for alerts. Robust: an alert that can't be queued never undoes a run."""
    transaction.on_commit(functools.partial(run_alerts_queue, run_id=run_id), robust=True)
