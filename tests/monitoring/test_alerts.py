"""Alerts from a real worker, through Apprise's json:// plugin, to a real receiver on
127.0.0.1 (loopback allowed): what is sent for each event, once, retried, and tested."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from diagnoser.inventory.services import environment_create, service_create, workspace_create
from diagnoser.monitoring.alert_models import AlertDelivery, AlertEvent
from diagnoser.monitoring.models import AlertChannel, DriftReport, ProbeRun
from diagnoser.monitoring.services.alert_channels import (
    alert_channel_create,
    alert_channel_test,
)
from diagnoser.monitoring.services.alert_delivery import alert_delivery_send
from diagnoser.monitoring.services.alert_events import contract_alerts_queue, run_alerts_queue
from diagnoser.monitoring.services.contracts import contract_import_text
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.monitoring.services.drift_reports import drift_report_start
from diagnoser.monitoring.services.recovery import runs_recover_stale
from diagnoser.monitoring.services.runs import run_request
from tests.factories import running_run, secret_specimen_service
from tests.monitoring.fixtures import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker", "loopback_allowed"),
]

SENT = AlertDelivery.State.SENT


def _channel(service, receiver, *events: str) -> AlertChannel:
    url = receiver.url.replace("http://", "json://")
    return alert_channel_create(service=service, name="team", url=url, events=events)


def _probe(service, environment: str = "staging", path: str = "/items/{id}") -> ProbeRun:
    run = run_request(
        endpoint=service.endpoints.get(path=path),
        environment=service.environments.get(name=environment),
    )
    finished = (ProbeRun.State.DONE, ProbeRun.State.FAILED)
    return wait_for(
        lambda: ProbeRun.objects.filter(id=run.id, state__in=finished).first(), what="the run"
    )


def _sent(event: str) -> AlertDelivery:
    return wait_for(
        lambda: AlertDelivery.objects.filter(event=event, state=SENT).first(),
        what=f"the {event} alert",
    )


def test_new_findings_reach_the_channel_once(specimens, receiver):
    service = secret_specimen_service(specimens, paths={"/debug"})
    _channel(service, receiver, AlertEvent.NEW_FINDINGS)

    run = _probe(service, path="/debug")
    delivery = _sent(AlertEvent.NEW_FINDINGS)

    assert len(receiver.received) == 1
    message = receiver.received[0]
    assert "new finding" in message["title"]
    assert "/debug in staging" in message["title"]
    assert delivery.attempts == 1
    # Found again (a redelivered task) and sent again (a redelivered message): nothing more.
    assert run_alerts_queue(run_id=run.id) == []
    assert alert_delivery_send(delivery_id=delivery.id, attempt=1) is None
    assert AlertDelivery.objects.count() == 1


def test_an_unchanged_run_alerts_nothing(specimens, receiver):
    service = secret_specimen_service(specimens, paths={"/debug"})
    _channel(service, receiver, *AlertEvent.values)
    _probe(service, path="/debug")
    _sent(AlertEvent.NEW_FINDINGS)

    again = _probe(service, path="/debug")

    assert not again.changed
    assert run_alerts_queue(run_id=again.id) == []


def test_a_failing_channel_is_retried_with_backoff_until_delivered(specimens, receiver):
    receiver.fail_next = 2
    service = secret_specimen_service(specimens, paths={"/debug"})
    _channel(service, receiver, AlertEvent.NEW_FINDINGS)

    _probe(service, path="/debug")
    delivery = _sent(AlertEvent.NEW_FINDINGS)

    assert delivery.attempts == 3
    assert delivery.error == ""
    assert len(receiver.received) == 1


def test_a_channel_failing_every_attempt_says_why(specimens, receiver, settings):
    settings.DIAGNOSER_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.fail_next = 5
    service = secret_specimen_service(specimens, paths={"/debug"})
    _channel(service, receiver, AlertEvent.NEW_FINDINGS)

    _probe(service, path="/debug")
    delivery = wait_for(
        lambda: AlertDelivery.objects.filter(state=AlertDelivery.State.FAILED).first(),
        what="the last attempt",
    )

    assert delivery.attempts == 2
    assert delivery.status_code == 503
    assert "HTTP 503" in delivery.error


def test_a_method_that_worked_and_now_fails_is_a_regression_alert(specimens, receiver):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    _channel(service, receiver, AlertEvent.METHOD_REGRESSION)
    _probe(service)
    specimens.apps["staging"].env = "prod"  # staging loses PATCH

    _probe(service)
    _sent(AlertEvent.METHOD_REGRESSION)

    [message] = receiver.received
    assert message["title"].startswith("Method regression: /items/{id} in staging")
    assert "PATCH accepted" in message["message"]


def test_an_unreachable_target_is_a_probe_failure_alert(specimens, receiver):
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    environment_create(service=service, name="gone", base_url="http://127.0.0.1:1")
    _channel(service, receiver, AlertEvent.PROBE_FAILURE)

    _probe(service, environment="gone")
    _sent(AlertEvent.PROBE_FAILURE)

    [message] = receiver.received
    assert message["title"] == "Target unreachable: /items/{id} in gone (specimen)"


def test_drift_found_by_a_drift_check_is_a_drift_alert(specimens, receiver):
    service = secret_specimen_service(specimens, paths={"/items/{id}", "/health"})
    _channel(service, receiver, AlertEvent.DRIFT)
    check = drift_check_create(service=service, name="hourly")

    report = drift_report_start(check=check, trigger="manual")
    _sent(AlertEvent.DRIFT)

    assert DriftReport.objects.get(id=report.id).drift_present
    [message] = receiver.received
    assert message["title"] == "Drift appeared in specimen (drift check hourly)"
    assert "/items/{id}" in message["message"]


def test_a_test_alert_goes_the_real_way_and_shows_as_delivered(specimens, receiver):
    service = secret_specimen_service(specimens, paths={"/health"})
    channel = _channel(service, receiver)  # no events: a test still goes out

    alert_channel_test(channel=channel)
    delivery = _sent("test")

    assert delivery.channel_id == channel.id
    [message] = receiver.received
    assert message["title"] == "Test alert from diagnoser for specimen"


def test_a_reimported_document_that_changes_methods_is_a_contract_alert(receiver):
    service = service_create(workspace=workspace_create(name="team"), name="shop")
    _channel(service, receiver, AlertEvent.CONTRACT)
    ok = {"responses": {"200": {"description": "ok"}}}

    def document(*methods: str) -> str:
        paths = {"/orders": dict.fromkeys(methods, ok)}
        return json.dumps(
            {"openapi": "3.1.0", "info": {"title": "Shop", "version": "1"}, "paths": paths}
        )

    contract_import_text(service=service, text=document("get", "put"), probe=False)
    assert not AlertDelivery.objects.exists()  # new paths are not changes
    result = contract_import_text(service=service, text=document("get", "patch"), probe=False)
    delivery = _sent(AlertEvent.CONTRACT)

    [message] = receiver.received
    assert message["title"] == "Contract changed: 1 path (shop)"
    assert "/orders: added PATCH; removed PUT" in message["message"]
    # The same import seen again (a retried task) queues nothing more.
    assert contract_alerts_queue(service=service, changes=result.changes) == []
    assert AlertDelivery.objects.get() == delivery


def test_a_run_the_sweeper_gives_up_on_is_a_probe_failure_alert(specimens, receiver, settings):
    settings.DIAGNOSER_RUN_MAX_ATTEMPTS = 1
    service = secret_specimen_service(specimens, paths={"/items/{id}"})
    _channel(service, receiver, AlertEvent.PROBE_FAILURE)
    run = running_run(attempt=1, started_at=timezone.now() - timedelta(hours=1))
    ProbeRun.objects.filter(id=run.id).update(
        endpoint=service.endpoints.get(), environment=service.environments.get(name="staging")
    )

    _, failed = runs_recover_stale()

    assert failed == [run.id]
    _sent(AlertEvent.PROBE_FAILURE)
    [message] = receiver.received
    assert "gave up after 1 attempts" in json.dumps(message)
