import json

import pytest
from django_celery_beat.models import PeriodicTask

from diagnoser.celery import app as celery_app
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun, WebhookDelivery
from diagnoser.monitoring.selectors import method_timeline, report_side_by_side
from diagnoser.monitoring.services.drift_checks import (
    drift_check_create,
    drift_check_delete,
    drift_check_update,
)
from diagnoser.monitoring.services.drift_reports import drift_report_start
from tests.factories import secret_specimen_service
from tests.monitoring.fixtures import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker", "loopback_allowed"),
]

DRIFTING = {"/items/{id}", "/health"}


def _done(report_id: int) -> DriftReport | None:
    report = DriftReport.objects.get(id=report_id)
    return report if report.state == DriftReport.State.DONE else None


def _run_check(check, trigger="manual") -> DriftReport:
    report = drift_report_start(check=check, trigger=trigger)
    return wait_for(lambda: _done(report.id), what="the drift report")


def test_drift_between_environments_is_reported_per_endpoint(specimens):
    service = secret_specimen_service(specimens, paths=DRIFTING)
    check = drift_check_create(service=service, name="ci")

    report = _run_check(check)

    assert report.drift_present
    assert report.runs.filter(state=ProbeRun.State.DONE).count() == 4
    assert {d["endpoint"] for d in report.env_drift} == {"/items/{id}"}
    assert {d["rule"] for d in report.env_drift} == {"env_allow_drift"}
    assert "PATCH" in json.dumps(report.env_drift)


def test_drift_appears_then_resolves_and_the_webhook_hears_both(specimens, receiver):
    service = secret_specimen_service(specimens, paths=DRIFTING)
    check = drift_check_create(service=service, name="hourly", webhook_url=receiver.url)

    first = _run_check(check)
    wait_for(lambda: receiver.received, what="the drift_appeared webhook")
    specimens.apps["prod"].env = "staging"  # prod gets PATCH: environments agree again
    second = _run_check(check)
    wait_for(
        lambda: WebhookDelivery.objects.filter(ok=True).count() == 3,
        what="the resolved and regression webhooks",
    )

    assert first.drift_present
    assert not second.drift_present
    assert second.previous_id == first.id
    events = [m["event"] for m in receiver.received]
    assert events[0] == "drift_appeared"
    assert set(events[1:]) == {"drift_resolved", "method_regression"}
    appeared = receiver.received[0]
    assert appeared["text"].startswith("*Drift appeared* in specimen")
    assert appeared["env_drift"][0]["endpoint"] == "/items/{id}"
    assert "prod-secret-token" not in json.dumps(receiver.received)
    assert WebhookDelivery.objects.filter(ok=True).count() == 3
    regression = second.regressions[0]
    assert (regression["endpoint"], regression["environment"]) == ("/items/{id}", "prod")


def test_a_failing_webhook_is_retried_and_every_attempt_logged(specimens, receiver):
    receiver.fail_next = 2
    service = secret_specimen_service(specimens, paths=DRIFTING)
    check = drift_check_create(service=service, name="hourly", webhook_url=receiver.url)

    report = _run_check(check)
    wait_for(lambda: WebhookDelivery.objects.filter(ok=True).exists(), what="the third attempt")

    attempts = list(WebhookDelivery.objects.filter(report=report).order_by("attempt"))
    assert [(a.attempt, a.ok, a.status_code) for a in attempts] == [
        (1, False, 503),
        (2, False, 503),
        (3, True, 200),
    ]
    assert attempts[0].error == "HTTP 503 from the webhook"


def test_a_webhook_to_a_refused_address_is_blocked_and_logged(specimens, receiver, settings):
    service = secret_specimen_service(specimens, paths=DRIFTING)
    check = drift_check_create(service=service, name="h")
    # Saving refuses it (tests/monitoring/test_drift_checks.py); a row stored before
    # that check, or by the admin, must still be refused when sent.
    DriftCheck.objects.filter(id=check.id).update(webhook_url="http://169.254.169.254/")
    settings.DIAGNOSER_WEBHOOK_MAX_ATTEMPTS = 1

    report = _run_check(check)
    delivery = wait_for(lambda: WebhookDelivery.objects.filter(report=report).first())

    assert not delivery.ok
    assert "169.254.169.254" in delivery.error


def test_a_schedule_is_a_beat_entry_that_produces_runs_and_a_report(specimens):
    service = secret_specimen_service(specimens, paths=DRIFTING)
    check = drift_check_create(service=service, name="every-minute", every="1m")
    entry = PeriodicTask.objects.get(id=check.periodic_task_id)
    assert (entry.interval.every, entry.interval.period) == (1, "minutes")

    # What beat does when the entry is due: send the task by name with its kwargs.
    celery_app.send_task(entry.task, kwargs=json.loads(entry.kwargs))
    report = wait_for(
        lambda: DriftReport.objects.filter(drift_check=check, state="done").first(),
        what="the scheduled report",
    )

    assert report.trigger == "schedule"
    assert report.runs.count() == 4
    assert set(report.runs.values_list("trigger", flat=True)) == {"drift_check"}


def test_disabling_or_rescheduling_a_check_updates_its_beat_entry(specimens):
    service = secret_specimen_service(specimens, paths=DRIFTING)
    check = drift_check_create(service=service, name="nightly", crontab="0 3 * * *")
    drift_check_update(check=check, enabled=False)
    entry = PeriodicTask.objects.get(id=check.periodic_task_id)
    assert not entry.enabled
    assert entry.crontab.hour == "3"

    drift_check_update(check=check, every="2h")
    entry.refresh_from_db()
    assert entry.crontab is None
    assert (entry.interval.every, entry.interval.period) == (2, "hours")

    drift_check_delete(check=check)
    assert not PeriodicTask.objects.filter(id=entry.id).exists()


def test_a_disabled_check_does_not_run_on_schedule(specimens):
    service = secret_specimen_service(specimens, paths=DRIFTING)
    check = drift_check_create(service=service, name="off", every="1h", enabled=False)
    result = celery_app.tasks["diagnoser.monitoring.tasks.run_drift_check"].run(
        check_id=check.id, trigger="schedule"
    )
    assert result is None
    assert not DriftReport.objects.exists()


def test_the_timeline_shows_when_a_method_changed(specimens):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    check = drift_check_create(service=service, name="t")
    _run_check(check)
    specimens.apps["prod"].env = "staging"
    _run_check(check)

    prod = service.environments.get(name="prod")
    changes = method_timeline(endpoint=service.endpoints.get(), environment=prod)
    patch = [c for c in changes if c.method == "PATCH"]
    assert [(c.before, c.after) for c in patch] == [(None, "rejected"), ("rejected", "accepted")]


def test_a_report_shows_environments_side_by_side(specimens):
    service = secret_specimen_service(specimens, paths=DRIFTING)
    report = _run_check(drift_check_create(service=service, name="table"))

    rows = {row.path: row for row in report_side_by_side(report=report)}

    item = rows["/items/{id}"]
    assert [c.environment for c in item.columns] == ["staging", "prod"]
    assert item.drifts
    staging, prod = item.columns
    assert "PATCH" in staging.accepted
    assert "PATCH" not in prod.accepted
    assert "PATCH" not in (prod.allow or "")
    assert not rows["/health"].drifts
