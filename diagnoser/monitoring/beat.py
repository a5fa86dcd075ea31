"""Beat's scheduler: django-celery-beat's, with each drift check run once per slot.

A scheduled drift report exists exactly once per schedule slot, with two beats running,
a broker that loses messages, or a database that restarts:
- Slots every beat agrees on. An interval entry is due at each multiple of its interval
  since the epoch (not "an interval after this beat last ran it"), and a crontab entry
  at its minute, so two beats name the same slot for the same tick.
- Beat records the slot itself instead of sending a message a broker could lose: it
  creates the slot's report and its queued runs in one transaction, and the runs' probe
  tasks are published when it commits. DriftReport is unique per (check, scheduled_for),
  so the second beat finds the first one's report. From there the sweeper recovers
  anything lost (services/recovery.py): runs whose messages vanish are published again.
- A database that is away at the tick (restarting) is waited for with backoff (about
  15 s, retry.py), for the same slot, instead of the slot being skipped.
"""

import logging
import math
from datetime import UTC, datetime
from typing import Any

from celery import schedules
from celery.utils.time import maybe_make_aware
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

from diagnoser.monitoring.retry import with_db_retry
from diagnoser.monitoring.services.drift_reports import drift_report_schedule
from diagnoser.monitoring.tasks import run_drift_check

log = logging.getLogger(__name__)


def _interval_seconds(schedule: Any) -> float | None:
    # Exactly `schedule`: crontab and solar are BaseSchedule subclasses of their own.
    if type(schedule) is schedules.schedule:
        return float(schedule.seconds)
    return None


def slot_of(schedule: Any, now: datetime) -> datetime | None:
    """The start of the slot `now` falls in, for interval and crontab schedules."""
    every = _interval_seconds(schedule)
    if every:
        return datetime.fromtimestamp(math.floor(now.timestamp() / every) * every, tz=UTC)
    if isinstance(schedule, schedules.crontab):
        return now.astimezone(UTC).replace(second=0, microsecond=0)
    return None


def interval_next_run(*, every: float, last_run_at: datetime, now: datetime) -> datetime:
    """When beat runs an interval entry last run at `last_run_at` next: now if the clock
    has entered a slot it has not run in, else at the start of the next slot."""
    slot = math.floor(now.timestamp() / every)
    if slot > math.floor(last_run_at.timestamp() / every):
        return now
    return datetime.fromtimestamp((slot + 1) * every, tz=UTC)


def slot_aligned(model: Any) -> bool:
    """Whether SlotEntry aligns this PeriodicTask; otherwise beat's own rules apply."""
    return bool(
        model.interval_id
        and model.enabled
        and not (model.start_time or model.expires or model.one_off)
    )


class SlotEntry(ModelEntry):
    """An interval entry is due once the clock enters a slot it has not run in."""

    def is_due(self) -> tuple[bool, float]:
        every = _interval_seconds(self.schedule)
        if not every or not slot_aligned(self.model):
            return super().is_due()
        now = datetime.now(UTC)
        last_run_at = maybe_make_aware(self.last_run_at)
        due = interval_next_run(every=every, last_run_at=last_run_at, now=now)
        if due <= now:
            return schedules.schedstate(True, every - now.timestamp() % every)
        return schedules.schedstate(False, (due - now).total_seconds())


class SlotScheduler(DatabaseScheduler):
    Entry = SlotEntry

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        slot = slot_of(entry.schedule, datetime.now(UTC))
        if entry.task != run_drift_check.name or slot is None:
            super().apply_entry(entry, producer=producer)
            return
        check_id = int(entry.kwargs["check_id"])
        what = f"{entry.name}, slot {slot:%Y-%m-%d %H:%M:%S}"
        try:
            report = with_db_retry(
                lambda: drift_report_schedule(check_id=check_id, slot=slot), what=what
            )
        except Exception:  # one entry's failure must not stop beat
            log.exception("%s: no report, the slot is skipped", what)
            return
        log.info("%s: report %s", what, report.id if report else "not needed (check off)")
