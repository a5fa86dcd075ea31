"""Log in, register an endpoint through the form, Probe now, and watch the matrix arrive."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD
from tests.factories import specimen_service

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def matrix_cell(page: Page, probe: str, column: int):
    """The matrix cell of a probe row (0: first environment)."""
    row = page.locator("table.matrix tbody tr").filter(
        has=page.get_by_role("rowheader", name=probe, exact=True)
    )
    return row.locator("td").nth(column)


def test_a_member_registers_an_endpoint_probes_it_and_sees_the_statuses_swap_in(
    e2e, context, owner, specimens
):
    _, workspace = owner
    service = specimen_service(specimens, workspace=workspace, paths=())
    page = context.new_page()

    page.goto(f"{e2e.url}/login/")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{e2e.url}/")

    page.goto(f"{e2e.url}/services/{service.id}/endpoints/new/")
    page.locator("input[name=path]").fill("/legacy/orders")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("h1")).to_have_text("/legacy/orders")
    # Registration queues a first probe; the session's worker may already have run it, so
    # the page shows "not probed yet" or its results: either way Probe now brings them in.
    expect(page.locator("table.matrix")).to_contain_text(re.compile("not probed yet|just now"))

    page.get_by_role("button", name="Probe now").click()

    expect(page.locator("#probe-status")).to_contain_text("up to date", timeout=60_000)
    post = matrix_cell(page, "POST", 0)
    expect(post.locator(".status")).to_have_text("405")
    expect(post.locator(".hdr")).to_have_count(0)  # no Allow: what the finding is about
    expect(matrix_cell(page, "GET", 1).locator(".status")).to_have_text("200")
    expect(matrix_cell(page, "OPTIONS", 1).locator(".status")).to_have_text("405")
    expect(page.get_by_text(re.compile("missing_allow_on_405|no Allow")).first).to_be_visible()
