"""Drift reports compare the runs scheduled probing makes: a run is queued for a report
only where a target's newest is too old, once, and a pending run is waited for."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from diagnoser.monitoring.models import DriftReport, ProbeRun, Trigger
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.monitoring.services.drift_reports import drift_report_start
from diagnoser.monitoring.services.probe_schedules import runs_enqueue_due, service_schedule_update
from tests.factories import secret_specimen_service
from tests.monitoring.fixtures import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker", "loopback_allowed"),
]

SLOT = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def _finished(report: DriftReport) -> DriftReport:
    return wait_for(
        lambda: DriftReport.objects.filter(id=report.id, state=DriftReport.State.DONE).first(),
        what=f"drift report {report.id} to finish",
    )


def _probed_by_schedule(service) -> set[int]:
    queued = set(runs_enqueue_due())
    wait_for(
        lambda: not ProbeRun.objects.filter(state__in=ProbeRun.PENDING).exists(),
        what="the scheduled runs",
    )
    assert len(queued) == service.endpoints.count() * service.environments.count()
    return queued


def _scheduled_report(check, slot=SLOT) -> DriftReport:
    return drift_report_start(check=check, trigger=Trigger.SCHEDULE, scheduled_for=slot)


def test_a_scheduled_report_compares_the_runs_scheduled_probing_made(specimens):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    scheduled = _probed_by_schedule(service)
    check = drift_check_create(service=service, name="hourly", every="1h")

    report = _finished(_scheduled_report(check))

    assert set(report.runs.values_list("id", flat=True)) == scheduled
    assert ProbeRun.objects.count() == len(scheduled)  # nothing probed for the report
    assert report.drift_present  # prod lacks PATCH on /items/{id}


def test_a_target_probed_longer_ago_than_the_interval_gets_one_run_of_its_own(specimens):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    _probed_by_schedule(service)
    prod = service.environments.get(name="prod")
    ProbeRun.objects.filter(environment=prod).update(queued_at=timezone.now() - timedelta(hours=2))
    check = drift_check_create(service=service, name="hourly", every="1h")

    report = _finished(_scheduled_report(check))

    fresh = ProbeRun.objects.get(trigger=Trigger.DRIFT_CHECK)
    assert fresh.environment == prod
    assert ProbeRun.objects.count() == 3
    compared = report.runs.all()
    assert {run.environment.name for run in compared} == {"staging", "prod"}
    assert fresh in compared


@pytest.mark.parametrize("report_first", [False, True], ids=["schedule-first", "report-first"])
def test_a_target_pending_a_run_gets_no_second_one_from_either_side(specimens, report_first):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    check = drift_check_create(service=service, name="hourly", every="1h")

    with transaction.atomic():
        if report_first:
            report = _scheduled_report(check)
            runs_enqueue_due()
        else:
            runs_enqueue_due()
            report = _scheduled_report(check)

    report = _finished(report)
    assert ProbeRun.objects.count() == 2  # one per target
    assert report.runs.count() == 2
    assert report.failures == []
    assert runs_enqueue_due() == []  # the report's runs count for the schedule too


def test_each_report_of_a_check_compares_runs_its_previous_one_did_not(specimens):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    check = drift_check_create(service=service, name="hourly", every="1h")

    first = _finished(_scheduled_report(check))
    second = _finished(_scheduled_report(check, slot=SLOT + timedelta(hours=1)))

    assert first.runs.count() == second.runs.count() == 2
    assert not set(first.runs.all()) & set(second.runs.all())
    assert second.previous_id == first.id


def test_run_now_probes_every_target_again(specimens):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    scheduled = _probed_by_schedule(service)
    check = drift_check_create(service=service, name="gate", every="1h")

    report = _finished(drift_report_start(check=check, trigger=Trigger.MANUAL))

    assert not set(report.runs.values_list("id", flat=True)) & scheduled
    assert set(report.runs.values_list("trigger", flat=True)) == {Trigger.DRIFT_CHECK}


def test_a_paused_target_is_compared_as_last_probed_and_never_probed_for_a_report(specimens):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    scheduled = _probed_by_schedule(service)
    ProbeRun.objects.update(queued_at=timezone.now() - timedelta(days=2))
    service_schedule_update(service=service, probe_every="15m", paused=True)
    check = drift_check_create(service=service, name="hourly", every="1h")

    report = _finished(_scheduled_report(check))

    assert set(report.runs.values_list("id", flat=True)) == scheduled
    assert ProbeRun.objects.count() == len(scheduled)


def test_a_paused_target_never_probed_is_listed_as_not_compared(specimens):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    service_schedule_update(service=service, probe_every="15m", paused=True)
    check = drift_check_create(service=service, name="hourly", every="1h")

    report = _finished(_scheduled_report(check))

    assert not ProbeRun.objects.exists()
    assert sorted((f["endpoint"], f["environment"]) for f in report.failures) == [
        ("/items/{id}", "prod"),
        ("/items/{id}", "staging"),
    ]
    assert all("probing is paused" in f["reason"] for f in report.failures)


@pytest.mark.parametrize(("minutes_ago", "queued"), [(10, 0), (20, 2)])
def test_a_crontab_check_counts_a_run_recent_by_the_targets_probe_interval(
    specimens, minutes_ago, queued
):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    scheduled = _probed_by_schedule(service)  # probed every 15m, the default
    ProbeRun.objects.update(queued_at=timezone.now() - timedelta(minutes=minutes_ago))
    check = drift_check_create(service=service, name="nightly", crontab="0 3 * * *")

    _finished(_scheduled_report(check))

    assert ProbeRun.objects.count() == len(scheduled) + queued
