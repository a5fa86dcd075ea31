"""When beat will next run a drift check, computed the way our beat decides.

Beat's scheduler (monitoring/beat.py) runs an interval check at the start of each slot
(a multiple of the interval since the epoch) it has not run in, not an interval after its
last run: every 5 minutes means 08:10, 08:15, whenever it was saved. We ask its own
function. A crontab check follows django-celery-beat: counted from the entry's last run,
or before the first run from when it was saved (date_changed), the Celery schedule says
how long remains; we ask the same schedule the same question.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from diagnoser.monitoring.beat import interval_next_run, slot_aligned
from diagnoser.monitoring.services.drift_schedules import format_every


@dataclass(frozen=True)
class NextRun:
    at: datetime | None
    text: str  # short, for the table cell
    explanation: str  # how it was computed, for a title attribute


def next_run(*, task: PeriodicTask | None, now: datetime | None = None) -> NextRun:
    if task is None:
        return NextRun(
            None,
            "by hand",
            "No schedule: the check runs when someone presses Run now "
            "(or runs manage.py drift_check).",
        )
    if not task.enabled:
        return NextRun(None, "off", "The schedule is switched off: switch it on to run again.")
    counted_from = task.last_run_at or task.date_changed
    since = "its last run" if task.last_run_at else "when its schedule was saved (no run yet)"
    now = now or timezone.now()
    if task.interval is not None and slot_aligned(task):
        every = _interval_seconds(task)
        at = interval_next_run(every=every, last_run_at=counted_from, now=now)
        rule = (
            f"the start of the next {format_every(every)} slot after {since}: beat runs an "
            "interval check at whole multiples of its interval counted from 1970-01-01 "
            "00:00 UTC, not an interval after its last run"
        )
    else:
        schedule = task.schedule
        remaining = schedule.remaining_estimate(counted_from)
        # To the nearest second: the clock is read a moment after the remaining time was.
        at = now + max(remaining, timedelta(0)) + timedelta(milliseconds=500)
        if task.interval is not None:
            rule = f"{since} plus the interval ({format_every(_interval_seconds(task))})"
        else:
            assert task.crontab is not None
            rule = (
                f"the first time after {since} matching the crontab "
                f"'{_crontab_text(task)}' in {settings.CELERY_TIMEZONE}"
            )
    at = at.replace(microsecond=0)
    explanation = (
        f"Computed as {rule}; {since}: {counted_from:%Y-%m-%d %H:%M:%S} UTC. "
        "Beat must be running; it starts due checks within seconds."
    )
    remaining = at - now
    text = "due now" if remaining <= timedelta(0) else _until(remaining)
    return NextRun(at, text, explanation)


def _interval_seconds(task: PeriodicTask) -> int:
    return int(task.schedule.run_every.total_seconds())


def _crontab_text(task: PeriodicTask) -> str:
    c = task.crontab
    return f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"


def _until(remaining: timedelta) -> str:
    seconds = int(remaining.total_seconds())
    if seconds < 60:
        return f"in {seconds} s"
    if seconds < 3600:
        return f"in {round(seconds / 60)} min"
    if seconds < 86400:
        return f"in {seconds / 3600:.1f} h"
    return f"in {seconds / 86400:.1f} d"
