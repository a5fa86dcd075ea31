"""A drift check's Run now and test alert are limited like every on-demand probe: Run now
is charged every request its report sends and runs one report at a time per check; a
test alert counts per user and per webhook host. Refusals say which limit and when."""

import threading
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.models import Service
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun
from diagnoser.monitoring.services.drift_checks import drift_check_create
from tests.monitoring.fixtures import wait_for
from tests.security.roomy_limits import roomy_limits
from tests.stubs import Reply, Request, StubServer, serving

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    """Roomy limits that each test narrows to the one it exercises."""
    return roomy_limits(settings)


def run_now(client: Client, check: DriftCheck):
    return client.post(reverse("web:drift_check_run", args=[check.service_id, check.id]))


def alert_test(client: Client, check: DriftCheck, *, htmx: bool = True):
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse("web:drift_check_test_alert", args=[check.service_id, check.id])
    return client.post(url, headers=headers)


# --- Run now ---


def shop(trio, *, base_url: str = "https://shop.test", environments: int = 2) -> Service:
    """Two endpoints in `environments` environments probed `full`: 13 requests each."""
    service = service_create(workspace=trio.acme, name="shop")
    for n in range(environments):
        environment_create(
            service=service, name=f"env{n}", base_url=f"{base_url}/{n}", probe_policy="full"
        )
    endpoint_create(service=service, path="/items")
    endpoint_create(service=service, path="/orders")
    return service


def test_run_now_is_charged_every_request_of_every_target(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "60/10m"
    service = shop(trio)
    everything = drift_check_create(service=service, name="everything")  # 4 targets: 52
    items = drift_check_create(
        service=service, name="items", endpoints=service.endpoints.filter(path="/items")
    )  # 26
    alice = trio.client_for(trio.alice)
    assert run_now(alice, everything).status_code == 302

    refused = run_now(alice, items)

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert "items was not run." in refused.text
    assert "Limit reached: 60 requests per 10 minutes for on-demand probes by one user" in (
        refused.text
    )
    assert "this needs 26 and 8 are left" in refused.text
    assert not DriftReport.objects.filter(drift_check=items).exists()
    assert ProbeRun.objects.count() == 4


def test_run_now_counts_per_target_host_whoever_asks(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_HOST = "30/10m"
    service = shop(trio, environments=1)  # 26 requests to shop.test
    first = drift_check_create(service=service, name="first")
    second = drift_check_create(service=service, name="second")
    run_now(trio.client_for(trio.bob), first)

    refused = run_now(trio.client_for(trio.alice), second)

    assert refused.status_code == 429
    assert "for on-demand probes of shop.test, whoever asks" in refused.text


def test_a_check_bigger_than_the_limit_is_refused_saying_so(trio, limits):
    limits.DIAGNOSER_LIMIT_PROBES_PER_USER = "50/10m"
    check = drift_check_create(service=shop(trio), name="everything")

    refused = run_now(trio.client_for(trio.alice), check)

    assert refused.status_code == 429
    assert "Too much at once: this sends 52 requests" in refused.text
    assert "schedules are not limited" in refused.text
    assert not DriftReport.objects.exists()


def test_run_now_while_the_report_is_running_is_refused_with_a_link_to_it(trio, limits):
    check = drift_check_create(service=shop(trio), name="hourly")
    alice = trio.client_for(trio.alice)
    run_now(alice, check)  # no worker here: the report stays running
    report = DriftReport.objects.get()

    again = run_now(trio.client_for(trio.bob), check)

    assert again.status_code == 409
    assert "hourly is still running" in again.text
    assert f'<a href="{reverse("web:drift_report", args=[report.id])}">report {report.id}</a>' in (
        again.text
    )
    assert DriftReport.objects.count() == 1
    assert ProbeRun.objects.count() == 4


@pytest.fixture
def held() -> Iterator[tuple[StubServer, threading.Event]]:
    """A target that answers only once the test sets the event, so a report stays running."""
    gate = threading.Event()

    def respond(request: Request) -> Reply:
        gate.wait(20)
        return Reply(405, headers={"Allow": "GET"})

    with serving(respond) as server:
        yield server, gate
        gate.set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker", "loopback_allowed")
def test_five_run_nows_in_a_row_make_one_report_then_another_once_it_finished(trio, limits, held):
    server, gate = held
    service = service_create(workspace=trio.acme, name="held")
    environment_create(service=service, name="staging", base_url=server.base_url)
    endpoint_create(service=service, path="/items")
    check = drift_check_create(service=service, name="gate")
    client = trio.client_for(trio.alice)

    answers = [run_now(client, check) for _ in range(5)]

    report = DriftReport.objects.get(drift_check=check)
    assert [answer.status_code for answer in answers] == [302, 409, 409, 409, 409]
    assert ProbeRun.objects.filter(drift_reports=report).count() == 1
    gate.set()
    wait_for(
        lambda: DriftReport.objects.filter(id=report.id, state="done").exists(),
        what="the report to finish",
    )
    assert run_now(client, check).status_code == 302
    assert DriftReport.objects.filter(drift_check=check).count() == 2
    wait_for(
        lambda: not DriftReport.objects.exclude(state__in=["done", "failed"]).exists(),
        what="the second report to finish",
    )


# --- Test alert ---


def hooked_check(trio, url: str, name: str = "hourly") -> DriftCheck:
    service = Service.objects.filter(name="hooks").first() or service_create(
        workspace=trio.acme, name="hooks"
    )
    return drift_check_create(service=service, name=name, webhook_url=url)


def test_test_alerts_past_the_per_user_limit_are_refused_saying_when(trio, limits, receiver):
    limits.DIAGNOSER_LIMIT_TEST_ALERTS_PER_USER = "1/10m"
    check = hooked_check(trio, receiver.url)
    bob = trio.client_for(trio.bob)
    assert "Delivered to" in alert_test(bob, check).text

    refused = alert_test(bob, check)

    assert "Limit reached: 1 test alert per 10 minutes by one user" in refused.text
    assert "Try again in " in refused.text
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert len(receiver.received) == 1
    assert "Delivered to" in alert_test(trio.client_for(trio.alice), check).text


def test_test_alerts_count_per_webhook_host_whoever_asks(trio, limits, receiver):
    limits.DIAGNOSER_LIMIT_TEST_ALERTS_PER_HOST = "2/10m"
    busy = hooked_check(trio, receiver.url)
    quiet = hooked_check(trio, receiver.url.replace("127.0.0.1", "localhost"), name="other")
    alert_test(trio.client_for(trio.bob), busy)
    alice = trio.client_for(trio.alice)
    alert_test(alice, busy)

    refused = alert_test(alice, busy)

    assert "to 127.0.0.1, whoever asks" in refused.text
    assert "Delivered to" in alert_test(alice, quiet).text
    assert len(receiver.received) == 3


def test_a_test_alert_refused_without_htmx_gets_429_and_retry_after(trio, limits, receiver):
    limits.DIAGNOSER_LIMIT_TEST_ALERTS_PER_USER = "1/10m"
    check = hooked_check(trio, receiver.url)
    alice = trio.client_for(trio.alice)
    alert_test(alice, check, htmx=False)

    refused = alert_test(alice, check, htmx=False)

    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert "Limit reached" in refused.text
    assert len(receiver.received) == 1
