"""Base URLs are checked against the probe guard when they are entered (form, services,
inventory import), so an address that could never be probed is refused at once instead
of failing every run later. Nothing here connects: literal addresses need no DNS."""

import ipaddress
import threading

import pytest
from django.core.exceptions import ValidationError

from diagnoser.inventory import destinations
from diagnoser.inventory.models import Environment
from diagnoser.inventory.services import (
    base_url_validate,
    environment_create,
    environment_update,
    service_create,
    workspace_create,
)
from diagnoser.monitoring.as_code import InventoryError, import_inventory
from diagnoser.probing import transport

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return service_create(workspace=workspace_create(name="team"), name="shop")


def _refusal(service, base_url: str) -> str:
    with pytest.raises(ValidationError) as caught:
        environment_create(service=service, name="prod", base_url=base_url)
    assert not Environment.objects.exists()
    return " ".join(caught.value.message_dict["base_url"])


def test_a_metadata_address_is_refused_even_when_its_network_is_admitted(service, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = [ipaddress.ip_network("169.254.0.0/16")]

    message = _refusal(service, "http://169.254.169.254/")

    assert "cloud metadata address" in message
    assert "never probed" in message


def test_a_refused_range_says_which_setting_admits_it(service, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = []

    message = _refusal(service, "http://10.1.2.3:8080")

    assert "private network (10.0.0.0/8)" in message
    assert "DIAGNOSER_ALLOW_NETWORKS" in message


def test_an_admitted_range_is_accepted(service, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]

    environment = environment_create(service=service, name="lab", base_url="http://10.1.2.3:8080")

    assert environment.base_url == "http://10.1.2.3:8080"


def test_a_blocked_port_is_refused_on_an_admitted_network(service):
    message = _refusal(service, "http://127.0.0.1:6379")

    assert "port 6379 is on the blocked port list" in message


def test_editing_to_a_refused_address_is_refused_and_keeps_the_old_one(service):
    environment = environment_create(service=service, name="prod", base_url="http://127.0.0.1:8080")

    with pytest.raises(ValidationError, match="metadata"):
        environment_update(environment=environment, base_url="http://[fd00:ec2::254]/")

    environment.refresh_from_db()
    assert environment.base_url == "http://127.0.0.1:8080"


def test_a_name_that_does_not_resolve_is_accepted_with_a_note():
    normal, note = base_url_validate("https://api.nowhere.invalid/v1/")

    assert normal == "https://api.nowhere.invalid/v1"
    assert "api.nowhere.invalid does not resolve" in note


def test_the_inventory_import_refuses_it_naming_the_line():
    text = (
        "workspace: team\nservices:\n- name: shop\n  environments:\n"
        "  - {name: prod, base_url: 'http://169.254.169.254/'}\n"
    )

    with pytest.raises(InventoryError, match=r"line 5.*cloud metadata address"):
        import_inventory(text)


def test_a_resolver_that_hangs_does_not_hold_up_entry(monkeypatch):
    released = threading.Event()

    def hanging(host: str, port: int) -> list[str]:
        released.wait(10)
        return ["169.254.169.254"]

    monkeypatch.setattr(destinations, "ENTRY_RESOLVE_SECONDS", 0.1)
    monkeypatch.setattr(transport, "resolve", hanging)
    try:
        normal, note = base_url_validate("https://slow.example.test")
    finally:
        released.set()

    assert normal == "https://slow.example.test"
    assert "does not resolve from here right now" in note
