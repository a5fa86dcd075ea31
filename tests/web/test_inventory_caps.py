"""Per-service caps on endpoints and environments (settings), enforced in the inventory
services so every way in gets them: the forms, the bulk paste (refused whole, naming the
cap, and capped in size), the YAML import and registering a diagnosed URL."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.inventory.services import (
    endpoint_create,
    endpoint_register_url,
    environment_create,
    service_create,
)
from diagnoser.monitoring.as_code import InventoryError, import_inventory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caps(settings):
    settings.DIAGNOSER_MAX_ENDPOINTS_PER_SERVICE = 3
    settings.DIAGNOSER_MAX_ENVIRONMENTS_PER_SERVICE = 2
    return settings


@pytest.fixture
def shop(trio):
    return service_create(workspace=trio.acme, name="shop")


def paths(n: int, start: int = 0) -> list[str]:
    return [f"/p{i}" for i in range(start, start + n)]


def test_an_endpoint_past_the_cap_is_refused_naming_it(shop, caps):
    for path in paths(3):
        endpoint_create(service=shop, path=path)

    with pytest.raises(ValidationError) as refused:
        endpoint_create(service=shop, path="/one-more")

    assert "shop has 3 endpoints" in str(refused.value)
    assert "cap of 3 endpoints per service (DIAGNOSER_MAX_ENDPOINTS_PER_SERVICE)" in str(
        refused.value
    )
    assert shop.endpoints.count() == 3


def test_the_cap_is_per_service(trio, shop, caps):
    for path in paths(3):
        endpoint_create(service=shop, path=path)

    other = service_create(workspace=trio.acme, name="other")

    assert endpoint_create(service=other, path="/p0").service == other


def test_an_environment_past_the_cap_is_refused_naming_it(shop, caps):
    environment_create(service=shop, name="staging", base_url="https://staging.shop.test")
    environment_create(service=shop, name="prod", base_url="https://shop.test")

    with pytest.raises(ValidationError) as refused:
        environment_create(service=shop, name="qa", base_url="https://qa.shop.test")

    assert "DIAGNOSER_MAX_ENVIRONMENTS_PER_SERVICE" in str(refused.value)
    assert shop.environments.count() == 2


def test_the_environment_form_shows_the_cap(trio, shop, caps):
    for name in ("staging", "prod"):
        environment_create(service=shop, name=name, base_url=f"https://{name}.shop.test")
    form = {"name": "qa", "base_url": "https://qa.shop.test", "probe_policy": "", "headers": ""}

    page = trio.client_for(trio.bob).post(reverse("web:environment_new", args=[shop.id]), form)

    assert page.status_code == 200
    assert "cap of 2 environments per service" in page.text
    assert not Environment.objects.filter(name="qa").exists()


def bulk(client, service, text: str, action: str = "create"):
    url = reverse("web:endpoints_bulk", args=[service.id])
    return client.post(url, {"text": text, "action": action})


def test_a_bulk_paste_past_the_cap_is_refused_whole_naming_it(trio, shop, caps):
    endpoint_create(service=shop, path="/p0")
    client = trio.client_for(trio.alice)

    for action in ("preview", "create"):
        page = bulk(client, shop, "\n".join(paths(3, start=1)), action)
        assert "shop has 1 endpoints; adding 3 would pass the cap of 3" in page.text
        assert "DIAGNOSER_MAX_ENDPOINTS_PER_SERVICE" in page.text

    assert list(shop.endpoints.values_list("path", flat=True)) == ["/p0"]


def test_a_bulk_paste_that_fits_with_paths_already_there_is_added(trio, shop, caps):
    endpoint_create(service=shop, path="/p0")

    page = bulk(trio.client_for(trio.alice), shop, "\n".join(paths(3)))

    assert page.status_code == 302
    assert shop.endpoints.count() == 3


def test_a_bulk_paste_over_the_size_cap_is_not_read(trio, shop, settings):
    settings.DIAGNOSER_MAX_BULK_PASTE_CHARS = 1000
    text = "\n".join(paths(200))

    page = bulk(trio.client_for(trio.alice), shop, text)

    assert f"the paste is {len(text):,} characters, more than the 1,000" in page.text
    assert "DIAGNOSER_MAX_BULK_PASTE_CHARS" in page.text
    assert not shop.endpoints.exists()


def test_a_yaml_import_past_the_cap_imports_nothing(trio, caps):
    endpoints = "\n".join(f"      - path: {path}" for path in paths(4))
    text = (
        "services:\n  - name: big\n    environments:\n"
        '      - name: staging\n        base_url: "https://staging.big.test"\n'
        f"    endpoints:\n{endpoints}\n"
    )

    with pytest.raises(InventoryError) as refused:
        import_inventory(text, workspace_name="acme", source="big.yaml")

    assert "DIAGNOSER_MAX_ENDPOINTS_PER_SERVICE" in str(refused.value)
    assert not Endpoint.objects.exists()


def test_registering_a_diagnosed_url_respects_the_environment_cap(trio, shop, caps):
    for name in ("a", "b"):
        environment_create(service=shop, name=name, base_url=f"https://{name}.shop")

    with pytest.raises(ValidationError, match="DIAGNOSER_MAX_ENVIRONMENTS_PER_SERVICE"):
        endpoint_register_url(workspace=trio.acme, url="https://shop/items")
