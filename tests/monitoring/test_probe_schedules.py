"""The scheduling pass: which targets are due, exactly once, paused ones left alone."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diagnoser.monitoring.models import ProbeRun, Trigger
from diagnoser.monitoring.services.drift_schedules import format_every
from diagnoser.monitoring.services.probe_schedules import (
    environment_schedule_update,
    probe_every_parse,
    runs_enqueue_due,
    service_schedule_update,
    targets_probe_now,
)
from tests.factories import secret_specimen_service
from tests.monitoring.fixtures import broker_down

MINUTE = 60


def _targets(service) -> set[tuple[int, int]]:
    return {(e.id, env.id) for e in service.endpoints.all() for env in service.environments.all()}


def _scheduled() -> set[tuple[int, int]]:
    runs = ProbeRun.objects.filter(trigger=Trigger.SCHEDULE)
    return set(runs.values_list("endpoint_id", "environment_id"))


def _finish_all(*, at) -> None:
    ProbeRun.objects.update(state=ProbeRun.State.DONE, queued_at=at, finished_at=at)


def test_probe_every_reads_minutes_hours_days_and_seconds():
    assert probe_every_parse("15m") == 900
    assert probe_every_parse("2h") == 7200
    assert probe_every_parse("1d") == 86400
    assert probe_every_parse(120) == 120
    assert format_every(900) == "15m"
    assert format_every(90) == "90s"


@pytest.mark.parametrize("text", ["30s", "2d", "often", "", True])
def test_probe_every_refuses_what_beat_cannot_keep(text):
    with pytest.raises(ValidationError):
        probe_every_parse(text)


@pytest.mark.django_db
def test_every_target_of_a_new_service_is_due_at_once(specimens):
    service = secret_specimen_service(specimens, paths={"/items", "/legacy/orders"})

    queued = runs_enqueue_due()

    assert len(queued) == 4
    assert _scheduled() == _targets(service)
    assert set(ProbeRun.objects.values_list("state", flat=True)) == {ProbeRun.State.QUEUED}


@pytest.mark.django_db
def test_a_target_with_a_pending_run_gets_no_second_one(specimens):
    secret_specimen_service(specimens, paths={"/items"})
    runs_enqueue_due()

    assert runs_enqueue_due(now=timezone.now() + timedelta(hours=2)) == []


@pytest.mark.django_db
def test_a_target_is_due_again_once_its_interval_has_passed(specimens):
    service = secret_specimen_service(specimens, paths={"/items"})
    runs_enqueue_due()
    start = timezone.now()
    _finish_all(at=start)

    assert runs_enqueue_due(now=start + timedelta(minutes=14)) == []
    assert len(runs_enqueue_due(now=start + timedelta(minutes=15))) == 2
    assert ProbeRun.objects.filter(trigger=Trigger.SCHEDULE).count() == 4
    assert service.probe_every == 15 * MINUTE


@pytest.mark.django_db
def test_a_run_of_any_trigger_or_outcome_counts_as_the_last_probe(specimens):
    service = secret_specimen_service(specimens, paths={"/items"})
    targets_probe_now(environments=service.environments.all())
    start = timezone.now()
    ProbeRun.objects.update(state=ProbeRun.State.FAILED, queued_at=start, finished_at=start)

    assert runs_enqueue_due(now=start + timedelta(minutes=5)) == []


@pytest.mark.django_db
def test_an_environment_may_keep_an_interval_of_its_own(specimens):
    service = secret_specimen_service(specimens, paths={"/items"})
    prod = service.environments.get(name="prod")
    environment_schedule_update(environment=prod, probe_every=3600, paused=False)
    runs_enqueue_due()
    start = timezone.now()
    _finish_all(at=start)

    due = runs_enqueue_due(now=start + timedelta(minutes=20))

    assert set(ProbeRun.objects.filter(id__in=due).values_list("environment__name", flat=True)) == {
        "staging"
    }


@pytest.mark.django_db
def test_a_paused_service_is_not_probed_on_schedule(specimens):
    service = secret_specimen_service(specimens, paths={"/items"})
    service_schedule_update(service=service, probe_every=900, paused=True)

    assert runs_enqueue_due() == []


@pytest.mark.django_db
def test_a_paused_environment_is_not_probed_on_schedule(specimens):
    service = secret_specimen_service(specimens, paths={"/items"})
    prod = service.environments.get(name="prod")
    environment_schedule_update(environment=prod, probe_every=None, paused=True)

    runs_enqueue_due()

    assert set(ProbeRun.objects.values_list("environment__name", flat=True)) == {"staging"}


@pytest.mark.django_db
def test_probing_at_once_covers_an_endpoint_in_every_active_environment(specimens):
    service = secret_specimen_service(specimens, paths={"/items", "/legacy/orders"})
    prod = service.environments.get(name="prod")
    environment_schedule_update(environment=prod, probe_every=None, paused=True)
    endpoint = service.endpoints.get(path="/items")

    queued = targets_probe_now(endpoints=[endpoint])

    runs = ProbeRun.objects.filter(id__in=queued)
    assert list(runs.values_list("endpoint__path", "environment__name", "trigger")) == [
        ("/items", "staging", Trigger.MANUAL)
    ]


@pytest.mark.django_db
def test_probing_at_once_skips_a_target_already_pending(specimens):
    service = secret_specimen_service(specimens, paths={"/items"})
    first = targets_probe_now(environments=service.environments.all())

    assert len(first) == 2
    assert targets_probe_now(endpoints=service.endpoints.all()) == []


@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_queue_each_target_once(specimens):
    # The runs are committed for real; with no broker they stay queued, so no worker of
    # an earlier test writes to the tables while this test's teardown empties them.
    service = secret_specimen_service(specimens, paths={"/items", "/legacy/orders", "/health"})
    start = threading.Barrier(2)
    queued: list[list[int]] = []
    errors: list[BaseException] = []

    def one_pass() -> None:
        try:
            start.wait()
            queued.append(runs_enqueue_due())
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    with broker_down():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert not errors
    assert sorted(len(ids) for ids in queued) == [0, 6]
    assert ProbeRun.objects.count() == 6
    assert _scheduled() == _targets(service)


def _queries_of_a_pass() -> int:
    with CaptureQueriesContext(connection) as queries:
        runs_enqueue_due()
    return len(queries)


@pytest.mark.django_db
def test_a_pass_reads_as_few_statements_for_many_targets_as_for_one(specimens):
    secret_specimen_service(specimens, paths={"/items"}, name="one")
    few = _queries_of_a_pass()
    ProbeRun.objects.all().delete()
    for name in ("two", "three"):
        secret_specimen_service(specimens, name=name)

    assert _queries_of_a_pass() == few
    assert ProbeRun.objects.count() > 10
