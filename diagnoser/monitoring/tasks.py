"""Celery tasks: thin. They take ids, call services, and own the retry policy.

Every task runs with acks_late and reject_on_worker_lost (settings), so a message is
acknowledged only after the task returns and a killed worker's task is redelivered;
the services' conditional claims make a second delivery harmless.
"""

import logging
import threading
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import close_old_connections

from diagnoser.inventory.selectors import target_for
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun
from diagnoser.monitoring.services import alerts, drift, retention, runs
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


@shared_task(bind=True, name="diagnoser.monitoring.tasks.probe_target")
def probe_target(self: Any, run_id: int) -> str:
    close_old_connections()
    worker = f"{self.request.hostname or 'worker'}:{self.request.id}"
    if not runs.run_claim(run_id=run_id, worker=worker):
        log.info("run %s already claimed or finished: skipping this delivery", run_id)
        return "skipped"
    run = ProbeRun.objects.select_related("endpoint", "environment").get(id=run_id)
    try:
        target = target_for(endpoint=run.endpoint, environment=run.environment)
        report = _shared_engine().probe(target)
        runs.run_record(run=run, report=report)
    except SoftTimeLimitExceeded:
        runs.run_fail(run_id=run_id, reason="probe took longer than the task time limit")
    except Exception as error:
        log.exception("probe run %s failed", run_id)
        runs.run_fail(run_id=run_id, reason=f"{type(error).__name__}: {error}"[:2000])
    if run.drift_report_id is not None:
        drift.drift_report_maybe_finish(report_id=run.drift_report_id)
    return "done"


@shared_task(name="diagnoser.monitoring.tasks.run_drift_check")
def run_drift_check(check_id: int, trigger: str = "schedule") -> int | None:
    close_old_connections()
    check = DriftCheck.objects.filter(id=check_id).select_related("service").first()
    if check is None:
        log.warning("drift check %s no longer exists", check_id)
        return None
    if trigger == "schedule" and not check.enabled:
        return None
    return drift.drift_report_start(check=check, trigger=trigger).id


@shared_task(name="diagnoser.monitoring.tasks.finish_drift_report")
def finish_drift_report(report_id: int) -> None:
    close_old_connections()
    drift.drift_report_finish(report_id=report_id)


@shared_task(bind=True, name="diagnoser.monitoring.tasks.notify_webhook")
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


@shared_task(name="diagnoser.monitoring.tasks.sweep_stale_runs")
def sweep_stale_runs() -> dict[str, list[int]]:
    close_old_connections()
    requeued, failed = runs.runs_recover_stale()
    reports = drift.drift_reports_recover()
    return {"requeued": requeued, "failed": failed, "reports": reports}


@shared_task(name="diagnoser.monitoring.tasks.prune_history")
def prune_history() -> dict[str, int]:
    close_old_connections()
    pruned = retention.history_prune()
    return {"runs": pruned.runs, "reports": pruned.reports, "observations": pruned.observations}
