"""Celery tasks: thin. They take ids, call services, and own the retry policy.

Every task runs with acks_late and reject_on_worker_lost (settings), so a message is
acknowledged only after the task returns and a killed worker's task is redelivered;
the services' conditional claims make a second delivery harmless.

A database step that loses its connection (PostgreSQL restarting) is tried again in the
task, on a fresh connection, after growing pauses (retry.py): the steps are idempotent,
and a probe already sent is never sent again just to store its answer. When the database
stays away longer the task gives up and the stale-run sweeper takes over.

A task that services publish registers under the name its service publishes it by
(runs.PROBE_TASK, drift.*_TASK): services can't import this module, which imports them,
so the name lives with the publisher and is written once. Code above the services (beat)
reads a task's `.name`.
"""

import logging
import threading
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import DriftCheck, DriftReport
from diagnoser.monitoring.retry import with_db_retry
from diagnoser.monitoring.services import (
    alert_delivery,
    alert_queue,
    alerts,
    contracts,
    drift_reports,
    drift_schedules,
    probe_schedules,
    recovery,
    retention,
    runs,
)
from diagnoser.probing.engine import ProbeEngine

log = logging.getLogger(__name__)

_engine: ProbeEngine | None = None
_engine_lock = threading.Lock()


def _shared_engine() -> ProbeEngine:
    """One engine per worker process: its per-host limit and pools span the pool's threads.

    Rebuilt when the settings it came from change (tests override them)."""
    global _engine
    config = engine_config()
    with _engine_lock:
        if _engine is None or _engine.config != config:
            if _engine is not None:
                _engine.close()
            _engine = ProbeEngine(config)
        return _engine


@shared_task(bind=True, name=runs.PROBE_TASK)
def probe_target(self: Any, run_id: int) -> str:
    close_old_connections()
    worker = f"{self.request.hostname or 'worker'}:{self.request.id}"
    what = f"probe run {run_id}"
    if not with_db_retry(lambda: runs.run_claim(run_id=run_id, worker=worker), what=what):
        log.info("run %s already claimed or finished: skipping this delivery", run_id)
        return "skipped"
    work = with_db_retry(lambda: runs.run_load(run_id=run_id), what=what)
    try:
        report = _shared_engine().probe(with_db_retry(work.target, what=what))
    except SoftTimeLimitExceeded:
        reason = "probe took longer than the task time limit"
    except (OperationalError, InterfaceError):
        raise  # the run stays running; the stale-run sweeper queues it again
    except Exception as error:
        log.exception("probe run %s failed", run_id)
        reason = f"{type(error).__name__}: {error}"[:2000]
    else:
        with_db_retry(
            lambda: runs.run_store(run=work.run, report=report, previous=work.previous),
            what=what,
        )
        reason = ""
    if reason:
        with_db_retry(lambda: runs.run_fail(run_id=run_id, reason=reason), what=what)
    with_db_retry(lambda: drift_reports.drift_reports_run_finished(run_id=run_id), what=what)
    return "done"


@shared_task(name=drift_schedules.RUN_CHECK_TASK)
def run_drift_check(check_id: int, trigger: str = "schedule") -> int | None:
    """Run a check now (`drift_check_enqueue`). Scheduled runs come through here only
    under django-celery-beat's own scheduler: beat.py's records them itself, per slot."""
    close_old_connections()

    def start() -> int | None:
        check = DriftCheck.objects.filter(id=check_id).select_related("service").first()
        if check is None:
            log.warning("drift check %s no longer exists", check_id)
            return None
        if trigger == "schedule" and not check.enabled:
            return None
        return drift_reports.drift_report_start(check=check, trigger=trigger).id

    return with_db_retry(start, what=f"drift check {check_id}")


@shared_task(name=drift_reports.FINISH_TASK)
def finish_drift_report(report_id: int) -> None:
    close_old_connections()
    with_db_retry(
        lambda: drift_reports.drift_report_finish(report_id=report_id),
        what=f"drift report {report_id}",
    )


@shared_task(bind=True, name=drift_reports.NOTIFY_TASK)
def notify_webhook(self: Any, report_id: int, event: str, attempt: int = 1) -> bool:
    """Retried by publishing the next attempt with a growing countdown (each is logged)."""
    close_old_connections()
    if not DriftReport.objects.filter(id=report_id).exists():
        log.info("drift report %s is gone (pruned or deleted): no webhook", report_id)
        return False
    delivery = alerts.webhook_send(report_id=report_id, event=event, attempt=attempt)
    if delivery.ok:
        return True
    if attempt < settings.DIAGNOSER_WEBHOOK_MAX_ATTEMPTS:
        self.apply_async(
            args=(report_id, event, attempt + 1),
            countdown=alerts.webhook_backoff(attempt=attempt),
        )
    else:
        log.error("webhook for report %s (%s) failed %s times", report_id, event, attempt)
    return False


@shared_task(bind=True, name=alert_queue.SEND_TASK)
def send_alert(self: Any, delivery_id: int, attempt: int = 1) -> bool:
    """One attempt at an alert delivery; a failed one publishes the next with a growing
    countdown, as the drift webhook does. The delivery row is claimed per attempt, so a
    redelivered message sends nothing twice."""
    close_old_connections()
    delivery = alert_delivery.alert_delivery_send(delivery_id=delivery_id, attempt=attempt)
    if delivery is None:
        log.info("alert delivery %s attempt %s: not ours to send", delivery_id, attempt)
        return False
    if delivery.state == delivery.State.PENDING:
        self.apply_async(
            args=(delivery_id, attempt + 1), countdown=alerts.webhook_backoff(attempt=attempt)
        )
    return delivery.state == delivery.State.SENT


@shared_task(name=probe_schedules.SCHEDULE_TASK)
def schedule_probes() -> int:
    """Beat runs this every minute: a run for each target whose interval has passed.
    Two at once (two beats) queue each run once: the pass locks what it reads."""
    close_old_connections()
    queued = with_db_retry(probe_schedules.runs_enqueue_due, what="scheduled probes")
    return len(queued)


@shared_task(name="diagnoser.monitoring.tasks.sweep_stale_runs")
def sweep_stale_runs() -> dict[str, list[int]]:
    """Beat runs this every DIAGNOSER_SWEEP_EVERY seconds: whatever a fault left behind
    (a killed worker, a broker that lost its messages) is queued again or finished."""
    close_old_connections()
    requeued, failed = recovery.runs_recover_stale()
    republished = recovery.runs_republish_lost()
    reports = recovery.drift_reports_recover()
    return {"requeued": requeued, "failed": failed, "republished": republished, "reports": reports}


@shared_task(name="diagnoser.monitoring.tasks.prune_history")
def prune_history() -> dict[str, int]:
    close_old_connections()
    pruned = retention.history_prune()
    return {"runs": pruned.runs, "reports": pruned.reports, "observations": pruned.observations}


@shared_task(name="diagnoser.monitoring.tasks.refetch_contracts")
def refetch_contracts() -> dict[str, int]:
    """Beat, hourly: the OpenAPI documents imported by URL, fetched and imported again."""
    return contracts.contracts_refetch()
