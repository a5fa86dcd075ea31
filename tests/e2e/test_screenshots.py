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

from diagnoser.inventory.models import Endpoint
from diagnoser.monitoring.models import ProbeRun

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return DOCS if os.environ.get("DIAGNOSER_SCREENSHOTS") else tmp_path


def save(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=folder / f"{name}.png", full_page=True, animations="disabled")


def test_screenshots_of_every_main_page(e2e, demo, logged_in, browser: Browser, shots, specimens):
    anonymous = browser.new_context(viewport={"width": 1280, "height": 900})
    login = anonymous.new_page()
    login.goto(f"{e2e.url}/login/")
    save(login, shots, "login")

    page = logged_in(User.objects.get(username="alice"))
    page.goto(f"{e2e.url}/")
    expect(page.locator("#overview-rows").get_by_text("specimen-api").first).to_be_visible()
    save(page, shots, "overview")

    page.goto(f"{e2e.url}/services/{demo.id}/")
    save(page, shots, "service")

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

    assert sorted(p.stem for p in shots.glob("*.png")) == [
        "diagnose",
        "drift",
        "endpoint",
        "login",
        "overview",
        "service",
        "shared",
    ]
