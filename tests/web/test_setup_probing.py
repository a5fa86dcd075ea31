"""Registering or editing probes at once; the service and environment pages set how often
targets are probed on schedule, or pause it."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from diagnoser.inventory.models import Environment, Service
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.monitoring.models import ProbeRun
from diagnoser.monitoring.services.probe_schedules import service_schedule_update
from tests.monitoring.fixtures import broker_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trio) -> Service:
    service = service_create(workspace=trio.acme, name="shop")
    environment_create(service=service, name="staging", base_url="https://staging.shop.test")
    endpoint_create(service=service, path="/items")
    endpoint_create(service=service, path="/orders")
    return service


def _queued() -> set[tuple[str, str]]:
    runs = ProbeRun.objects.filter(state=ProbeRun.State.QUEUED)
    return set(runs.values_list("endpoint__path", "environment__name"))


def _flash(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_adding_an_environment_probes_every_endpoint_in_it(trio, shop):
    response = trio.client_for(trio.bob).post(
        reverse("web:environment_new", args=[shop.id]),
        {"name": "prod", "base_url": "https://api.shop.test"},
        follow=True,
    )

    assert _queued() == {("/items", "prod"), ("/orders", "prod")}
    assert "Probing it now (2 targets)" in _flash(response)


def test_adding_an_endpoint_probes_it_in_every_environment(trio, shop):
    trio.client_for(trio.bob).post(reverse("web:endpoint_new", args=[shop.id]), {"path": "/carts"})

    assert _queued() == {("/carts", "staging")}


def test_pasting_endpoints_probes_the_new_ones(trio, shop):
    trio.client_for(trio.bob).post(
        reverse("web:endpoints_bulk", args=[shop.id]),
        {"text": "/items\n/carts\nGET /users", "action": "create"},
    )

    assert _queued() == {("/carts", "staging"), ("/users", "staging")}


def test_editing_an_environments_base_url_probes_it_again(trio, shop):
    staging = shop.environments.get()
    trio.client_for(trio.bob).post(
        reverse("web:environment_edit", args=[shop.id, staging.id]),
        {"name": "staging", "base_url": "https://staging2.shop.test", "probe_policy": "full"},
    )

    assert _queued() == {("/items", "staging"), ("/orders", "staging")}


def test_renaming_an_environment_probes_nothing(trio, shop):
    staging = shop.environments.get()
    trio.client_for(trio.bob).post(
        reverse("web:environment_edit", args=[shop.id, staging.id]),
        {"name": "stage", "base_url": staging.base_url, "probe_policy": staging.probe_policy},
    )

    assert Environment.objects.get(id=staging.id).name == "stage"
    assert not ProbeRun.objects.exists()


def test_adding_a_secret_header_probes_the_environment_again(trio, shop):
    staging = shop.environments.get()
    trio.client_for(trio.bob).post(
        reverse("web:secret_header_save", args=[shop.id, staging.id]),
        {"name": "X-Key", "value": "secret-value-0123456789"},
    )

    assert _queued() == {("/items", "staging"), ("/orders", "staging")}


def test_editing_an_endpoints_samples_probes_it_but_its_declared_methods_do_not(trio):
    service = service_create(workspace=trio.acme, name="shop")
    environment_create(service=service, name="staging", base_url="https://staging.shop.test")
    endpoint = endpoint_create(service=service, path="/items/{id}")
    url = reverse("web:endpoint_edit", args=[service.id, endpoint.id])
    client = trio.client_for(trio.bob)

    client.post(url, {"declared_methods": ["GET"]})
    assert not ProbeRun.objects.exists()

    client.post(url, {"sample_id": "42", "declared_methods": ["GET"]})
    assert _queued() == {("/items/{id}", "staging")}


def test_a_paused_service_is_not_probed_on_registration(trio, shop):
    service_schedule_update(service=shop, probe_every=900, paused=True)

    trio.client_for(trio.bob).post(reverse("web:endpoint_new", args=[shop.id]), {"path": "/x"})

    assert not ProbeRun.objects.exists()


def test_the_service_edit_page_shows_the_interval_and_the_pause_toggle(trio, shop):
    page = trio.client_for(trio.bob).get(reverse("web:service_edit", args=[shop.id]))

    html = page.content.decode()
    assert 'name="probe_every"' in html
    assert 'value="15m"' in html
    assert 'name="probing_paused"' in html


def test_the_service_edit_page_sets_the_interval_and_pauses(trio, shop):
    response = trio.client_for(trio.bob).post(
        reverse("web:service_edit", args=[shop.id]),
        {"name": "shop", "probe_every": "1h", "probing_paused": "on"},
        follow=True,
    )

    shop.refresh_from_db()
    assert (shop.probe_every, shop.probing_paused) == (3600, True)
    assert "scheduled probing is paused" in _flash(response)


def test_an_interval_too_short_for_beat_is_refused_on_the_field(trio, shop):
    response = trio.client_for(trio.bob).post(
        reverse("web:service_edit", args=[shop.id]), {"name": "shop", "probe_every": "10s"}
    )

    assert response.status_code == 200
    assert "1m at the most often" in response.content.decode()
    assert Service.objects.get(id=shop.id).probe_every == 900


def test_an_environment_may_follow_or_override_the_services_interval(trio, shop):
    staging = shop.environments.get()
    trio.client_for(trio.bob).post(
        reverse("web:environment_edit", args=[shop.id, staging.id]),
        {
            "name": "staging",
            "base_url": staging.base_url,
            "probe_policy": staging.probe_policy,
            "probe_every": "6h",
        },
    )

    assert Environment.objects.get(id=staging.id).probe_every == 6 * 3600


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_registration_is_kept_and_probed_on_schedule(trio, shop):
    with broker_at("redis://127.0.0.1:1/0"):
        response = trio.client_for(trio.bob).post(
            reverse("web:endpoint_new", args=[shop.id]), {"path": "/carts"}, follow=True
        )

    assert response.status_code == 200
    assert "probing will happen on schedule" in _flash(response)
    assert shop.endpoints.filter(path="/carts").exists()
    assert _queued() == {("/carts", "staging")}  # the sweeper publishes it again


def test_registering_a_diagnosed_url_probes_it(trio):
    trio.client_for(trio.bob).post(
        reverse("web:diagnose_register"),
        {"url": "https://api.shop.test/items", "policy": "safe", "origin": ""},
    )

    assert _queued() == {("/items", "default")}
