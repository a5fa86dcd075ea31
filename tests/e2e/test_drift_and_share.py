"""The demo's environments drift where the specimen says they do; a share link opens without
an account until it is revoked."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, Response, expect

from diagnoser.inventory.models import Endpoint
from diagnoser.monitoring.models import ProbeRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def drift_row(page, path: str):
    return page.locator("table.drift-table tbody tr").filter(
        has=page.locator("th code", has_text=path)
    )


def test_the_drift_page_shows_prod_lacking_patch_and_nothing_where_the_environments_agree(
    e2e, demo, logged_in
):
    page = logged_in(User.objects.get(username="alice"))

    page.goto(f"{e2e.url}/services/{demo.id}/drift/")

    items = drift_row(page, "/items/{id}")
    expect(items.locator(".sev")).to_have_text("drift")
    expect(items.locator("td.drift")).not_to_have_count(0)
    expect(items.locator(".chip.differs", has_text="PATCH").first).to_be_visible()
    health = drift_row(page, "/health")
    expect(health.locator(".sev")).to_have_count(0)
    expect(health.locator("td.drift")).to_have_count(0)


def _share_from(page, path: str) -> str:
    """Open the page, press Share…, make the link; its URL."""
    page.goto(path)
    page.get_by_role("link", name="Share…").click()
    page.get_by_role("button", name="Create link").click()
    return page.locator(".share-url code").inner_text().strip()


@contextmanager
def stranger_opens(browser: Browser, url: str) -> Iterator[tuple[Page, Response]]:
    """The link opened in a browser context with no session, and its first answer."""
    stranger = browser.new_context()
    try:
        shared = stranger.new_page()
        answer = shared.goto(url)
        assert answer is not None
        assert answer.status == 200
        yield shared, answer
    finally:
        stranger.close()


def _gone(shared: Page) -> None:
    again = shared.reload()
    assert again is not None
    assert again.status == 404


def test_a_share_link_opens_without_an_account_until_it_is_revoked(
    e2e, demo, logged_in, browser: Browser
):
    page = logged_in(User.objects.get(username="alice"))
    run = ProbeRun.objects.get(
        endpoint__path="/legacy/orders", environment__name="staging", state="done"
    )
    url = _share_from(page, f"{e2e.url}/runs/{run.id}/")
    assert url.startswith(f"{e2e.url}/s/")

    with stranger_opens(browser, url) as (shared, answer):
        assert answer.headers["referrer-policy"] == "no-referrer"
        expect(shared.locator("body")).to_contain_text("/legacy/orders")
        post = shared.locator("tr").filter(
            has=shared.get_by_role("rowheader", name="POST", exact=True)
        )
        expect(post.first.locator(".status")).to_contain_text("405")

        page.locator(".share-panel summary", has_text="Revoke…").click()
        expect(page.locator(".share-panel")).to_contain_text("can't be turned back on")
        asked = shared.reload()
        assert asked is not None
        assert asked.status == 200  # asking did not revoke it
        page.get_by_role("button", name="Revoke the link").click()
        # The badge, not the word: the asking form says "a revoked link can't be turned back on".
        expect(page.locator(".share-panel .sev")).to_have_text("revoked")
        _gone(shared)


def test_an_endpoint_is_shared_with_every_environment_and_revoked_from_the_list(
    e2e, demo, logged_in, browser: Browser
):
    page = logged_in(User.objects.get(username="alice"))
    endpoint = Endpoint.objects.get(service=demo, path="/legacy/orders")
    url = _share_from(page, f"{e2e.url}/services/{demo.id}/endpoints/{endpoint.id}/")
    title = "/legacy/orders in every environment"

    with stranger_opens(browser, url) as (shared, _):
        expect(shared.locator("section.environment h2")).to_have_text(["staging", "prod"])

        page.goto(f"{e2e.url}/shares/")
        row = page.locator("#shares-active tr", has_text=title)
        row.locator("summary", has_text="Revoke…").click()
        row.get_by_role("button", name="Revoke the link").click()
        expect(page.locator("tr", has_text=title).first.locator(".sev")).to_have_text("revoked")
        page.reload()
        expect(page.locator("#shares-ended tr", has_text=title).first).to_contain_text("revoked")
        expect(page.locator("#shares-active tr", has_text=title)).to_have_count(0)
        _gone(shared)
