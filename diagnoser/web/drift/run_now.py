"""A drift check's "Run now": one report at a time per check, charged per request.

The report and its queued runs are created here, in the request, rather than by a worker
later: so a second press finds the first report running and is refused, instead of five
presses in a row queuing five reports before any worker looks. A short cache lock
covers the moment between looking and creating.
"""

from dataclasses import dataclass

from django.core.cache import caches
from django.http import HttpRequest

from diagnoser.monitoring.models import DriftCheck, DriftReport, Trigger
from diagnoser.monitoring.services.drift_checks import drift_check_targets
from diagnoser.monitoring.services.drift_reports import drift_report_start
from diagnoser.security.limits import CACHE_DOWN, Refusal
from diagnoser.web.setup.limits import inventory_probes_take

# Longer than creating a report's runs takes; a crashed request frees the check after it.
_LOCK_SECONDS = 60
_UNFINISHED = (DriftReport.State.RUNNING, DriftReport.State.FINISHING)


@dataclass(frozen=True)
class Busy:
    """The check has a report still running (None: another press is starting one)."""

    report: DriftReport | None


def running_report(*, check: DriftCheck) -> DriftReport | None:
    return (
        DriftReport.objects.filter(drift_check=check, state__in=_UNFINISHED).order_by("-id").first()
    )


def drift_check_run_now(*, request: HttpRequest, check: DriftCheck) -> DriftReport | Busy | Refusal:
    """Start a report of the check now, or say why not: busy, or over a rate limit.
    BrokerUnavailable passes through (the report is then failed, not running)."""
    cache = caches["default"]
    lock = f"diagnoser-run-now:{check.id}"
    try:
        free = cache.add(lock, 1, _LOCK_SECONDS)
    except Exception:  # the cache limits count in is down: refuse, as the limits do
        return CACHE_DOWN
    if not free:
        return Busy(None)
    try:
        running = running_report(check=check)
        if running is not None:
            return Busy(running)
        refusal = inventory_probes_take(request, targets=drift_check_targets(check=check))
        if refusal is not None:
            return refusal
        return drift_report_start(check=check, trigger=Trigger.MANUAL)
    finally:
        cache.delete(lock)
