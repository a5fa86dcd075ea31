"""The overview's search narrows the table in place, puts itself in the URL, and the
back button brings the whole list back."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_typing_a_search_filters_the_table_and_the_url_and_back_restores_both(e2e, demo, logged_in):
    page = logged_in(User.objects.get(username="alice"))
    page.goto(f"{e2e.url}/")
    rows = page.locator("#overview-rows tr")
    everything = rows.count()
    assert everything > 2

    page.get_by_label("Search").fill("legacy")

    expect(page).to_have_url(re.compile(r"/\?q=legacy$"))
    expect(rows).to_have_count(2)  # /legacy/orders in staging and in prod
    expect(rows.filter(has_text="/legacy/orders")).to_have_count(2)
    expect(page.locator(".summary")).to_contain_text("2 targets match")

    page.go_back()

    expect(page).to_have_url(f"{e2e.url}/")
    expect(rows).to_have_count(everything)


def test_the_results_do_not_poll_while_the_tab_is_hidden_and_catch_up_when_shown(
    e2e, demo, logged_in
):
    page = logged_in(User.objects.get(username="alice"))
    page.goto(f"{e2e.url}/?sort=service")
    polls: list[str] = []
    page.wait_for_load_state("networkidle")
    page.on("request", lambda request: polls.append(request.url))
    hide = "Object.defineProperty(document, 'hidden', {value: %s, configurable: true})"

    page.evaluate(hide % "true")
    page.evaluate("htmx.trigger('#overview-results', 'poll-now')")  # what every 30s does
    page.wait_for_timeout(500)
    assert [url for url in polls if "sort=service" in url] == []

    with page.expect_request(f"{e2e.url}/?sort=service"):
        page.evaluate(hide % "false")
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


def test_at_390_px_the_overview_does_not_scroll_sideways(e2e, demo, logged_in):
    page = logged_in(User.objects.get(username="alice"))
    page.set_viewport_size({"width": 390, "height": 800})

    page.goto(f"{e2e.url}/")

    # The table scrolls inside its own box; the page, search and filters fit the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for control in page.locator("#overview-q, #overview-filters select").all():
        box = control.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= 390
