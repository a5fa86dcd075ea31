"""The alerts journey in a browser: add a channel on the service page, see its URL
masked, send a test that a real worker delivers, see the delivery health."""

import pytest
from playwright.sync_api import expect

from diagnoser.inventory.services import service_create
from diagnoser.monitoring.models import AlertDelivery
from tests.monitoring.fixtures import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_channel_is_added_masked_tested_and_shows_its_delivery(owner, logged_in, e2e, receiver):
    user, workspace = owner
    service = service_create(workspace=workspace, name="shop")
    secret = "s3cret-hook-token"
    page = logged_in(user)
    page.goto(f"{e2e.url}/services/{service.id}/")

    page.get_by_role("link", name="Add alert channel").click()
    page.get_by_label("Name").fill("team-chat")
    page.get_by_label("Apprise URL").fill(receiver.url.replace("http://", "json://") + f"/{secret}")
    page.get_by_label("Drift found or resolved").check()
    page.get_by_role("button", name="Add channel").click()

    channels = page.locator("#alert-channels")
    expect(channels).to_contain_text("team-chat")
    expect(channels).to_contain_text("Webhook (JSON)")
    expect(channels).to_contain_text("nothing sent yet")
    assert secret not in page.content()

    channels.get_by_role("button", name="Send test").click()
    wait_for(lambda: AlertDelivery.objects.filter(state="sent").exists(), what="the test alert")
    page.reload()

    expect(channels.locator(".sev-ok")).to_have_text("delivered")
    assert receiver.received[0]["title"] == "Test alert from diagnoser for shop"
    assert secret not in page.content()
