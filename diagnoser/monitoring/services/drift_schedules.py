"""When drift checks run: interval and crontab parsing and checks, and the beat entry
(django-celery-beat's PeriodicTask) that makes a check run on its schedule."""

import json
import re
from typing import Any

from celery.schedules import crontab as celery_crontab
from django.conf import settings
from django.core.exceptions import ValidationError
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from diagnoser.monitoring.models import DriftCheck, Trigger

RUN_CHECK_TASK = "diagnoser.monitoring.tasks.run_drift_check"

_EVERY = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PERIODS = (
    (86400, IntervalSchedule.DAYS),
    (3600, IntervalSchedule.HOURS),
    (60, IntervalSchedule.MINUTES),
    (1, IntervalSchedule.SECONDS),
)
_CRONTAB_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
_CRONTAB_LABELS = ("minute", "hour", "day of month", "month", "day of week")


def parse_every(text: str | int) -> int:
    """ "90s", "5m", "1h", "1d" (or a number of seconds) -> seconds."""
    if isinstance(text, int):
        seconds = text
    else:
        match = _EVERY.match(text)
        if not match:
            raise ValidationError({"every": f"{text!r}: use a number and s, m, h or d, like 1h"})
        seconds = int(match[1]) * UNIT_SECONDS[match[2]]
    if seconds < 10:
        raise ValidationError({"every": "a drift check runs at most every 10 seconds"})
    return seconds


def format_every(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % UNIT_SECONDS[unit] == 0:
            return f"{seconds // UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


def _crontab_fields(crontab: str) -> list[str]:
    fields = crontab.split()
    if len(fields) != 5 or not all(re.fullmatch(r"[0-9*/,\-]+", f) for f in fields):
        raise ValidationError(
            {
                "crontab": f"{crontab!r}: five fields (minute hour day month weekday), "
                "like */15 * * * *"
            }
        )
    return fields


def crontab_validate(*, crontab: str) -> str:
    """The crontab normalised to single spaces, each field checked against its range as
    beat will read it (the shape check alone lets "99 * * * *" through to beat)."""
    fields = _crontab_fields(crontab)
    for field, label, value in zip(_CRONTAB_FIELDS, _CRONTAB_LABELS, fields, strict=True):
        try:
            celery_crontab(**{field: value})
        except ValueError as error:
            raise ValidationError(
                {"crontab": f"{label} {value!r}: {str(error).rstrip('.')}"}
            ) from None
    return " ".join(fields)


def drift_check_schedule_sync(*, check: DriftCheck) -> PeriodicTask | None:
    """Make the beat entry match the check: interval or crontab, enabled or not."""
    if not check.every_seconds and not check.crontab:
        if check.periodic_task is not None:
            check.periodic_task.delete()
            check.periodic_task = None
            check.save(update_fields=["periodic_task"])
        return None
    interval = crontab = None
    if check.crontab:
        minute, hour, day_of_month, month_of_year, day_of_week = _crontab_fields(check.crontab)
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
            timezone=settings.TIME_ZONE,
        )
    else:
        assert check.every_seconds is not None
        every, period = next(
            (check.every_seconds // size, period)
            for size, period in _PERIODS
            if check.every_seconds % size == 0
        )
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
    fields: dict[str, Any] = {
        "name": f"drift-check-{check.id}",
        "task": RUN_CHECK_TASK,
        "kwargs": json.dumps({"check_id": check.id, "trigger": Trigger.SCHEDULE.value}),
        "interval": interval,
        "crontab": crontab,
        # An archived check, or an archived service's, keeps its schedule, switched off
        # until restored.
        "enabled": check.enabled
        and check.archived_at is None
        and check.service.archived_at is None,
        "description": f"Drift check {check}",
    }
    task = check.periodic_task
    if task is None:
        task = PeriodicTask.objects.create(**fields)
        check.periodic_task = task
        check.save(update_fields=["periodic_task"])
    else:
        for name, value in fields.items():
            setattr(task, name, value)
        task.save()
    return task
