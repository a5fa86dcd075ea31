"""Full-page screenshots of the main pages over the demo, probed for real.

Every run renders each page in Chromium; the PNGs go to docs/screenshots/ (for the README)
only with DIAGNOSER_SCREENSHOTS=1, so a test run leaves the tracked files alone:

    DIAGNOSER_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_screenshots.py
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from diagnoser.inventory.models import Endpoint, Service
from diagnoser.monitoring.models import AlertDelivery, ProbeRun
from diagnoser.monitoring.services.alert_channels import alert_channel_create, alert_channel_test
from tests.monitoring.fixtures import Receiver, wait_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return DOCS if os.environ.get("DIAGNOSER_SCREENSHOTS") else tmp_path


def save(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=folder / f"{name}.png", full_page=True, animations="disabled")


def _alert_channels(service: Service, receiver: Receiver) -> None:
    """One channel that delivered a test alert and one that can't be reached, so the
    service page shows both kinds of delivery health."""
    working = alert_channel_create(
        service=service,
        name="team-chat",
        url=receiver.url.replace("http://", "json://"),
        events=["new_findings", "method_regression", "drift"],
    )
    broken = alert_channel_create(
        service=service, name="on-call", url="json://127.0.0.1:9/pager", events=["probe_failure"]
    )
    for channel in (working, broken):
        alert_channel_test(channel=channel)
    wait_for(
        lambda: AlertDelivery.objects.filter(state__in=["sent", "failed"]).count() == 2,
        what="both test alerts",
    )


def test_screenshots_of_every_main_page(
    e2e, demo, logged_in, browser: Browser, shots, specimens, receiver
):
    anonymous = browser.new_context(viewport={"width": 1280, "height": 900})
    login = anonymous.new_page()
    login.goto(f"{e2e.url}/login/")
    save(login, shots, "login")

    page = logged_in(User.objects.get(username="alice"))
    page.goto(f"{e2e.url}/")
    expect(page.locator("#overview-rows").get_by_text("specimen-api").first).to_be_visible()
    save(page, shots, "overview")

    _alert_channels(demo, receiver)
    page.goto(f"{e2e.url}/services/{demo.id}/")
    save(page, shots, "service")
    page.locator("#alert-channels").screenshot(
        path=shots / "alert-channels.png", animations="disabled"
    )

    endpoint = Endpoint.objects.get(service=demo, path="/legacy/orders")
    page.goto(f"{e2e.url}/services/{demo.id}/endpoints/{endpoint.id}/")
    post = page.locator("table.matrix tbody tr").filter(
        has=page.get_by_role("rowheader", name="POST", exact=True)
    )
    post.locator("td summary").first.click()
    save(page, shots, "endpoint")

    page.goto(f"{e2e.url}/diagnose/")
    page.get_by_role("textbox", name="URL").fill(f"{specimens.url('prod')}/items/0")
    page.get_by_label("Method that failed").select_option("PATCH")
    page.locator("input[name=policy][value=full]").check()
    page.get_by_role("button", name="Diagnose").click()
    expect(page.locator("section.diagnosis")).to_be_visible(timeout=30_000)
    save(page, shots, "diagnose")

    page.goto(f"{e2e.url}/services/{demo.id}/drift/")
    save(page, shots, "drift")

    run = ProbeRun.objects.get(endpoint=endpoint, environment__name="staging", state="done")
    page.goto(f"{e2e.url}/runs/{run.id}/share/")
    page.get_by_role("button", name="Create link").click()
    shared = anonymous.new_page()
    shared.goto(page.locator(".share-url code").inner_text().strip())
    save(shared, shots, "shared")
    anonymous.close()

    # The list of links: one working, one revoked (apart, without a green badge).
    page.goto(f"{e2e.url}/services/{demo.id}/endpoints/{endpoint.id}/share/")
    page.get_by_role("button", name="Create link").click()
    page.locator(".share-panel summary", has_text="Revoke…").click()
    page.get_by_role("button", name="Revoke the link").click()
    expect(page.locator(".share-panel .sev")).to_have_text("revoked")
    page.goto(f"{e2e.url}/shares/")
    page.locator("#shares-active summary", has_text="Revoke…").first.click()
    save(page, shots, "shares")

    assert sorted(p.stem for p in shots.glob("*.png")) == [
        "alert-channels",
        "diagnose",
        "drift",
        "endpoint",
        "login",
        "overview",
        "service",
        "shared",
        "shares",
    ]
