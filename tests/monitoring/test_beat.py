"""Beat's slots: every beat names the same slot for a tick, and a slot has one report."""

import math
import time
from datetime import UTC, datetime, timedelta

import pytest
from celery import schedules
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from diagnoser.monitoring.beat import SlotEntry, slot_of
from diagnoser.monitoring.models import DriftReport, ProbeRun
from diagnoser.monitoring.services.drift_checks import drift_check_create, drift_check_update
from diagnoser.monitoring.services.drift_reports import drift_report_schedule
from tests.factories import secret_specimen_service

HOUR = 3600


def test_an_interval_slot_starts_at_a_multiple_of_the_interval_since_the_epoch():
    every_90s = schedules.schedule(timedelta(seconds=90))
    now = datetime(2026, 11, 22, 12, 1, 29, 500000, tzinfo=UTC)
    assert slot_of(every_90s, now) == datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
    assert slot_of(every_90s, now + timedelta(seconds=60)) == datetime(
        2026, 11, 22, 12, 1, 30, tzinfo=UTC
    )


def test_a_crontab_slot_is_its_minute():
    every_15_minutes = schedules.crontab(minute="*/15")
    now = datetime(2026, 11, 22, 12, 15, 2, 300000, tzinfo=UTC)
    assert slot_of(every_15_minutes, now) == datetime(2026, 11, 22, 12, 15, tzinfo=UTC)


def _entry(last_run_at: datetime) -> SlotEntry:
    interval = IntervalSchedule.objects.create(every=HOUR, period=IntervalSchedule.SECONDS)
    task = PeriodicTask.objects.create(
        name="hourly", task="anything", interval=interval, last_run_at=last_run_at
    )
    return SlotEntry(task)


@pytest.mark.django_db
def test_an_interval_entry_is_due_once_the_clock_enters_a_new_slot():
    slot_start = math.floor(time.time() / HOUR) * HOUR
    due, next_in = _entry(datetime.fromtimestamp(slot_start - 1, tz=UTC)).is_due()
    assert due
    assert 0 < next_in <= HOUR


@pytest.mark.django_db
def test_an_interval_entry_that_ran_in_this_slot_waits_for_the_next():
    slot_start = math.floor(time.time() / HOUR) * HOUR
    due, next_in = _entry(datetime.fromtimestamp(slot_start, tz=UTC)).is_due()
    assert not due
    assert next_in == pytest.approx(slot_start + HOUR - time.time(), abs=1)


@pytest.mark.django_db
def test_asking_twice_for_a_slots_report_gives_the_same_report(specimens):
    check = drift_check_create(
        service=secret_specimen_service(specimens, paths={"/items"}), name="c"
    )
    slot = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    first = drift_report_schedule(check_id=check.id, slot=slot)
    second = drift_report_schedule(check_id=check.id, slot=slot)

    assert first is not None
    assert second == first
    assert DriftReport.objects.filter(drift_check=check).count() == 1
    assert ProbeRun.objects.filter(drift_reports=first).count() == 2  # staging, prod


@pytest.mark.django_db
def test_a_disabled_check_gets_no_report(specimens):
    check = drift_check_create(
        service=secret_specimen_service(specimens, paths={"/items"}), name="c"
    )
    drift_check_update(check=check, enabled=False)

    assert drift_report_schedule(check_id=check.id, slot=datetime.now(UTC)) is None
    assert not DriftReport.objects.exists()
