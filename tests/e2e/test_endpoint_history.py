"""The endpoint page over the demo, probed for real: a status strip per environment and
method with a tooltip per run, coloured by verdict like the matrix, a skip link past the
matrix, and at a phone's width no page scrolls sideways (a wide matrix scrolls in its own
box)."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from diagnoser.inventory.models import Endpoint
from diagnoser.probing.model import PLAIN_METHODS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 800}


def test_the_strip_has_a_cell_per_run_with_its_time_status_and_verdict_on_hover(
    e2e, demo, logged_in
):
    endpoint = Endpoint.objects.get(service=demo, path="/items/{id}")
    page = logged_in(User.objects.get(username="alice"))

    page.goto(f"{e2e.url}/services/{demo.id}/endpoints/{endpoint.id}/")

    staging = page.locator(".strips").filter(
        has=page.get_by_role("heading", name=re.compile("^staging"))
    )
    expect(staging.locator("svg.strip")).to_have_count(len(PLAIN_METHODS))
    get = staging.locator("svg.strip").first
    expect(get).to_have_attribute("aria-label", re.compile(r"^GET: \d+ accepted"))
    title = get.locator("rect title").last.text_content() or ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d, run \d+: 200, accepted", title)


# Each verdict class the matrix shows: the colour of its cells' text, its strip cells'
# fill and its legend key's background, as the browser computes them.
_COLOURS_BY_VERDICT = """() => {
  const out = {};
  const add = (css, where, colour) => ((out[css] ||= {})[where] ||= new Set()).add(colour);
  for (const el of document.querySelectorAll("table.matrix .status[class*='v-']")) {
    const css = [...el.classList].find(c => c.startsWith("v-"));
    add(css, "matrix", getComputedStyle(el).color);
  }
  for (const el of document.querySelectorAll("svg.strip rect")) {
    add(el.getAttribute("class"), "strip", getComputedStyle(el).fill);
  }
  for (const el of document.querySelectorAll(".legend .key")) {
    const css = [...el.classList].find(c => c.startsWith("v-"));
    add(css, "legend", getComputedStyle(el).backgroundColor);
  }
  return Object.fromEntries(Object.entries(out).map(
    ([css, found]) => [css, Object.fromEntries(Object.entries(found).map(([k, v]) => [k, [...v]]))]
  ));
}"""


def test_the_matrix_the_strips_and_the_legend_colour_a_verdict_alike(e2e, demo, logged_in):
    endpoint = Endpoint.objects.get(service=demo, path="/items/{id}")
    page = logged_in(User.objects.get(username="alice"))
    page.goto(f"{e2e.url}/services/{demo.id}/endpoints/{endpoint.id}/")

    colours = page.evaluate(_COLOURS_BY_VERDICT)

    in_both = {css: found for css, found in colours.items() if {"matrix", "strip"} <= set(found)}
    assert {"v-accepted", "v-rejected"} <= set(in_both)
    for css, found in in_both.items():
        assert found["matrix"] == found["strip"] == found["legend"], css
    assert colours["v-accepted"]["matrix"] != colours["v-rejected"]["matrix"]


def test_a_keyboard_user_skips_the_matrix_in_one_press(e2e, demo, logged_in):
    endpoint = Endpoint.objects.get(service=demo, path="/items/{id}")
    page = logged_in(User.objects.get(username="alice"))
    page.goto(f"{e2e.url}/services/{demo.id}/endpoints/{endpoint.id}/")

    skip = page.get_by_role("link", name="Skip past the matrix to the findings")
    skip.focus()
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0  # shown while focused
    page.keyboard.press("Enter")

    expect(page.locator(":focus")).to_have_id("findings-h")
    page.keyboard.press("Tab")  # on past the matrix, not into its cells
    assert page.evaluate("document.activeElement.closest('table.matrix')") is None


def test_no_page_scrolls_sideways_at_a_phone_width(e2e, demo, logged_in):
    endpoint = Endpoint.objects.get(service=demo, path="/items/{id}")
    page = logged_in(User.objects.get(username="alice"))
    page.set_viewport_size(PHONE)
    pages = {
        "overview": "/",
        "service": f"/services/{demo.id}/",
        "endpoint": f"/services/{demo.id}/endpoints/{endpoint.id}/",
        "drift": f"/services/{demo.id}/drift/",
    }

    too_wide = {}
    for name, path in pages.items():
        page.goto(f"{e2e.url}{path}")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width

    assert too_wide == {}
