"""Scheduled probing end to end: beat's task on a real worker over Redis probes every
due target once, even when the task is delivered twice at the same moment."""

import pytest
from django.conf import settings

from diagnoser.celery import app as celery_app
from diagnoser.monitoring.models import LatestRun, ProbeRun, Trigger
from diagnoser.monitoring.services.probe_schedules import (
    SCHEDULE_TASK,
    service_schedule_update,
)
from tests.factories import secret_specimen_service
from tests.monitoring.fixtures import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker", "loopback_allowed"),
]


def _all_done(expected: int) -> bool:
    runs = ProbeRun.objects.all()
    return runs.count() == expected and not runs.exclude(state=ProbeRun.State.DONE).exists()


def test_beat_has_an_entry_that_looks_for_due_targets_every_minute():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == SCHEDULE_TASK)
    assert entry["schedule"] == 60.0


def test_the_scheduling_task_probes_every_target_once_with_two_deliveries(specimens):
    service = secret_specimen_service(specimens, paths={"/items/{id}", "/legacy/orders"})

    celery_app.send_task(SCHEDULE_TASK)
    celery_app.send_task(SCHEDULE_TASK)

    wait_for(lambda: _all_done(4), what="four scheduled runs to finish")
    runs = ProbeRun.objects.all()
    assert set(runs.values_list("trigger", flat=True)) == {Trigger.SCHEDULE}
    assert sorted(runs.values_list("endpoint__path", "environment__name")) == [
        ("/items/{id}", "prod"),
        ("/items/{id}", "staging"),
        ("/legacy/orders", "prod"),
        ("/legacy/orders", "staging"),
    ]
    assert LatestRun.objects.filter(endpoint__service=service).count() == 4


def test_the_scheduling_task_leaves_a_paused_service_alone(specimens):
    paused = secret_specimen_service(specimens, paths={"/items"}, name="paused")
    service_schedule_update(service=paused, probe_every=900, paused=True)
    active = secret_specimen_service(specimens, paths={"/items"}, name="active")

    celery_app.send_task(SCHEDULE_TASK)

    wait_for(lambda: _all_done(2), what="the active service's runs")
    assert set(ProbeRun.objects.values_list("endpoint__service", flat=True)) == {active.id}
