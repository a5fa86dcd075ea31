"""Alert channels on the service and drift pages: members only, the URL masked
everywhere it is shown, rules edited, delete asks first."""

import json

import pytest
from django.urls import reverse

from diagnoser.inventory.services import service_create
from diagnoser.monitoring.as_code.export import export_inventory
from diagnoser.monitoring.models import AlertChannel
from diagnoser.monitoring.selectors.alerts import channel_url_masked
from diagnoser.monitoring.services.alert_channels import alert_channel_create
from tests.web.conftest import Trio, assert_members_only

pytestmark = pytest.mark.django_db

TOKEN = "TIiajkdnlazkcOXrIdevi7FQ"  # the webhook secret in a Slack URL


@pytest.fixture
def channel(trio: Trio, settings) -> AlertChannel:
    settings.DIAGNOSER_ALLOW_NETWORKS = []
    service = service_create(workspace=trio.acme, name="shop")
    return alert_channel_create(
        service=service,
        name="team-chat",
        url=f"slack://T1JJ3T3L2/A1BRTD4JD/{TOKEN}/#alerts",
        events=["drift"],
    )


def _pages(channel: AlertChannel) -> list[str]:
    service_id = channel.service_id
    return [
        reverse("web:service", args=[service_id]),
        reverse("web:drift", args=[service_id]),
        reverse("web:alert_channel_remove", args=[service_id, channel.id]),
    ]


def test_channel_pages_are_for_members_only(trio: Trio, channel: AlertChannel):
    for url in _pages(channel):
        assert_members_only(trio, url)


def test_the_channel_url_is_shown_masked_on_every_page_and_in_no_export(
    trio: Trio, channel: AlertChannel
):
    client = trio.client_for(trio.alice)
    for url in _pages(channel):
        page = client.get(url).content.decode()
        assert "team-chat" in page
        assert "slack://••••" in page
        assert TOKEN not in page
        assert "T1JJ3T3L2" not in page
    assert TOKEN not in json.dumps(export_inventory(workspace=trio.acme))


def test_a_generic_webhook_shows_its_host_but_not_its_path_or_password():
    masked = channel_url_masked("jsons://user:pw@hooks.example.net:8443/tok3n/x?+X-Key=k")

    assert masked == "jsons://hooks.example.net:8443/••••"


def test_the_rules_are_edited_on_the_page(trio: Trio, channel: AlertChannel):
    client = trio.client_for(trio.bob)
    url = reverse("web:alert_channel_rules", args=[channel.service_id, channel.id])

    response = client.post(url, {"events": ["new_findings", "probe_failure"]})

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.events == ["new_findings", "probe_failure"]


def test_an_outsider_can_not_touch_a_channel(trio: Trio, channel: AlertChannel):
    client = trio.client_for(trio.charlie)
    args = [channel.service_id, channel.id]

    for name in ("alert_channel_rules", "alert_channel_test_send", "alert_channel_remove"):
        assert client.post(reverse(f"web:{name}", args=args), {"events": []}).status_code == 404
    channel.refresh_from_db()
    assert channel.events == ["drift"]


def test_delete_asks_first_then_deletes(trio: Trio, channel: AlertChannel):
    client = trio.client_for(trio.alice)
    url = reverse("web:alert_channel_remove", args=[channel.service_id, channel.id])

    asked = client.get(url)
    assert "Delete alert channel team-chat?" in asked.content.decode()
    assert AlertChannel.objects.filter(id=channel.id).exists()

    client.post(url)
    assert not AlertChannel.objects.filter(id=channel.id).exists()


def test_a_scheme_the_server_does_not_send_is_refused_with_the_ones_it_does(trio: Trio):
    service = service_create(workspace=trio.acme, name="shop")
    client = trio.client_for(trio.alice)

    response = client.post(
        reverse("web:alert_channel_new", args=[service.id]),
        {"name": "x", "url": "gopher://127.0.0.1:70/", "events": ["drift"]},
    )

    assert response.status_code == 200
    assert "gopher:// is not a channel this server sends" in response.content.decode()
    assert not AlertChannel.objects.exists()
