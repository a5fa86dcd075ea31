"""The drift-check editor: real beat entries, the on/off toggle, Run now, the test alert."""

import re

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.monitoring.models import DriftCheck, DriftReport
from diagnoser.monitoring.services.drift_checks import drift_check_create
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK, broker_down, wait_for
from tests.servers.fixtures import free_port
from tests.web.conftest import assert_sent_to_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trio):
    service = service_create(workspace=trio.acme, name="shop")
    environment_create(service=service, name="staging", base_url="https://staging.shop.test")
    environment_create(service=service, name="prod", base_url="https://shop.test")
    endpoint_create(service=service, path="/items")
    endpoint_create(service=service, path="/orders")
    return service


@pytest.fixture
def check(shop):
    return drift_check_create(service=shop, name="hourly", every="1h")


def _urls(check) -> dict[str, str]:
    args = [check.service_id, check.id]
    return {
        "new": reverse("web:drift_check_new", args=[check.service_id]),
        "edit": reverse("web:drift_check_edit", args=args),
        "toggle": reverse("web:drift_check_toggle", args=args),
        "run": reverse("web:drift_check_run", args=args),
        "test_alert": reverse("web:drift_check_test_alert", args=args),
    }


def _form(shop, **changes) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "nightly",
        "scope": "service",
        "schedule": "every",
        "every": "15m",
        "crontab": "",
        "enabled": "on",
        "webhook_url": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("page", ["new", "edit"])
@pytest.mark.parametrize("who", ["alice", "bob"])
def test_owner_and_member_open_the_editor(trio, check, page, who):
    response = trio.client_for(getattr(trio, who)).get(_urls(check)[page])

    assert response.status_code == 200


@pytest.mark.parametrize("page", ["new", "edit"])
def test_an_outsider_gets_404_for_the_editor(trio, check, page):
    assert trio.client_for(trio.charlie).get(_urls(check)[page]).status_code == 404


@pytest.mark.parametrize("page", ["new", "edit", "toggle", "run", "test_alert"])
def test_an_outsider_changes_nothing_and_gets_404(trio, check, page):
    response = trio.client_for(trio.charlie).post(_urls(check)[page], _form(check.service))

    assert response.status_code == 404
    assert list(DriftCheck.objects.values_list("name", "enabled")) == [("hourly", True)]


@pytest.mark.parametrize("page", ["new", "edit", "toggle", "run", "test_alert"])
def test_anonymous_visitors_are_sent_to_login(client, check, page):
    response = client.post(_urls(check)[page])

    assert_sent_to_login(response)


def test_an_interval_check_gets_a_real_beat_entry(trio, shop):
    response = trio.client_for(trio.bob).post(
        reverse("web:drift_check_new", args=[shop.id]), _form(shop, every="15m")
    )

    check = DriftCheck.objects.get(name="nightly")
    task = PeriodicTask.objects.get(id=check.periodic_task_id)
    assert response["Location"] == reverse("web:drift", args=[shop.id])
    assert (task.interval.every, task.interval.period) == (15, "minutes")
    assert task.crontab is None
    assert task.enabled
    assert task.task == "diagnoser.monitoring.tasks.run_drift_check"


def test_a_crontab_check_with_chosen_endpoints_and_environments(trio, shop):
    items = shop.endpoints.get(path="/items")
    environments = [e.id for e in shop.environments.all()]

    trio.client_for(trio.alice).post(
        reverse("web:drift_check_new", args=[shop.id]),
        _form(
            shop,
            schedule="crontab",
            crontab="*/5  1 * * 1-5",
            scope="chosen",
            endpoints=[items.id],
            environments=environments,
        ),
    )

    check = DriftCheck.objects.get(name="nightly")
    crontab = PeriodicTask.objects.get(id=check.periodic_task_id).crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("*/5", "1", "1-5")
    assert check.crontab == "*/5 1 * * 1-5"
    assert list(check.endpoints.all()) == [items]
    assert check.environments.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"schedule": "crontab", "crontab": "99 * * * *"},
            "minute &#x27;99&#x27;: Invalid end range",
        ),
        ({"schedule": "crontab", "crontab": "* * *"}, "five fields"),
        ({"every": "5 parsecs"}, "use a number and s, m, h or d"),
        ({"every": "5s"}, "at most every 10 seconds"),
        ({"every": ""}, "give an interval like 1h"),
        ({"scope": "chosen"}, "tick at least one endpoint"),
        ({"webhook_url": "ftp://hooks.test/x"}, "use an http:// or https:// URL"),
        ({"name": "hourly"}, "already has a drift check named"),
    ],
)
def test_bad_input_is_refused_on_the_field_and_what_was_typed_kept(trio, check, changes, message):
    data = _form(check.service, **changes)

    response = trio.client_for(trio.alice).post(_urls(check)["new"], data)

    assert response.status_code == 200
    assert message in response.text
    assert f'value="{data["name"]}"' in response.text
    assert DriftCheck.objects.count() == 1


def test_one_environment_alone_is_refused(trio, shop):
    response = trio.client_for(trio.alice).post(
        reverse("web:drift_check_new", args=[shop.id]),
        _form(shop, environments=[shop.environments.first().id]),
    )

    assert "tick two or none" in response.text
    assert not DriftCheck.objects.exists()


def test_editing_to_by_hand_removes_the_beat_entry(trio, check):
    response = trio.client_for(trio.bob).post(
        _urls(check)["edit"], _form(check.service, name="gate", schedule="none")
    )

    check.refresh_from_db()
    assert response.status_code == 302
    assert check.name == "gate"
    assert check.periodic_task is None
    assert not PeriodicTask.objects.filter(name__startswith="drift-check-").exists()


def test_the_editor_shows_the_saved_schedule(trio, check):
    html = trio.client_for(trio.alice).get(_urls(check)["edit"]).text

    assert 'value="1h"' in html
    assert 'value="hourly"' in html


def test_toggling_switches_the_beat_entry_off_and_on_again(trio, check):
    client = trio.client_for(trio.bob)

    off = client.post(_urls(check)["toggle"], HTTP_HX_REQUEST="true")
    task = PeriodicTask.objects.get(id=check.periodic_task_id)
    assert not task.enabled
    assert off.text.lstrip().startswith(f'<tr id="check-{check.id}"')
    assert 'aria-pressed="false"' in off.text
    assert ">off<" in off.text.replace(" ", "")

    on = client.post(_urls(check)["toggle"])
    task.refresh_from_db()
    assert task.enabled
    assert on["Location"] == reverse("web:drift", args=[check.service_id])


# Committed for real: Run now publishes its report's runs when the report commits.
@pytest.mark.django_db(transaction=True)
def test_run_now_with_the_broker_down_says_what_to_do_and_keeps_the_check(trio, check):
    with broker_down():
        response = trio.client_for(trio.alice).post(_urls(check)["run"], follow=True)

    assert "Could not queue hourly" in response.text
    assert "CELERY_BROKER_URL" in response.text
    assert "The drift check itself is saved." in response.text
    assert DriftCheck.objects.filter(id=check.id, enabled=True).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker", "loopback_allowed")
def test_run_now_has_a_worker_run_the_check_and_the_report_shows(trio, specimens):
    service = specimen_service(specimens, workspace=trio.acme, paths=("/items/{id}",))
    check = drift_check_create(service=service, name="gate")
    client = trio.client_for(trio.alice)

    queued = client.post(_urls(check)["run"], follow=True)
    report = wait_for(
        lambda: DriftReport.objects.filter(drift_check=check, state="done").first(),
        what="the drift report",
    )
    page = client.get(reverse("web:drift", args=[service.id]))

    assert "gate is queued" in queued.text
    assert report.drift_present
    assert reverse("web:drift_report", args=[report.id]) in page.text


def test_a_test_alert_reaches_the_webhook_and_says_so(trio, check, receiver, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    check.webhook_url = receiver.url
    check.save()

    response = trio.client_for(trio.bob).post(_urls(check)["test_alert"], HTTP_HX_REQUEST="true")

    assert "Delivered to" in response.text
    assert "HTTP 200" in response.text
    assert receiver.received[0]["event"] == "test"
    assert receiver.received[0]["check"] == "hourly"
    assert receiver.received[0]["text"].startswith("*Test alert*")


def test_a_test_alert_to_a_closed_port_shows_why_it_failed(trio, check, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    check.webhook_url = f"http://127.0.0.1:{free_port()}/hook"
    check.save()

    response = trio.client_for(trio.alice).post(_urls(check)["test_alert"])

    assert response.status_code == 200
    assert "Not delivered to" in response.text
    # What happened in words, not urllib3's "GuardedHTTPPool... Max retries exceeded".
    assert "refused" in response.text.lower()
    assert "Max retries" not in response.text


def test_a_test_alert_to_a_loopback_webhook_without_an_allowlist_is_refused(
    trio, check, receiver, settings
):
    settings.DIAGNOSER_ALLOW_NETWORKS = []
    check.webhook_url = receiver.url
    check.save()

    response = trio.client_for(trio.alice).post(_urls(check)["test_alert"], HTTP_HX_REQUEST="true")

    assert "Not delivered" in response.text
    assert "DIAGNOSER_ALLOW_NETWORKS" in response.text
    assert not receiver.received


def test_a_test_alert_without_a_webhook_asks_for_one(trio, check):
    response = trio.client_for(trio.alice).post(_urls(check)["test_alert"], HTTP_HX_REQUEST="true")

    assert "set a webhook URL and save before testing it" in response.text


def test_a_new_check_left_with_its_shown_interval_saves_every_hour(trio, shop):
    alice = trio.client_for(trio.alice)
    new = reverse("web:drift_check_new", args=[shop.id])

    page = alice.get(new)
    alice.post(new, _form(shop, name="nightly", every="1h"))

    # The interval shown is a value the form sends, not a placeholder that errors if left.
    assert re.search(r'name="every"[^>]*value="1h"', page.text)
    assert DriftCheck.objects.get(name="nightly").every_seconds == 3600
