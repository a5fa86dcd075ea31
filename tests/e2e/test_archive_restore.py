"""Archive a service from its edit page, find it under Archived on the overview, restore
it; archive one environment from the service page and restore it there."""

import pytest
from playwright.sync_api import expect

from diagnoser.inventory.services import endpoint_create, environment_create, service_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_archives_a_service_and_an_environment_and_restores_both(e2e, owner, logged_in):
    user, workspace = owner
    service = service_create(workspace=workspace, name="billing")
    for name in ("staging", "prod"):
        environment_create(service=service, name=name, base_url=f"https://{name}.billing.test")
    endpoint_create(service=service, path="/invoices")
    page = logged_in(user)

    page.goto(f"{e2e.url}/services/{service.id}/edit/")
    page.get_by_role("link", name="Archive service").click()
    expect(page.locator("h1")).to_have_text("Archive service billing?")
    expect(page.locator("table.confirm-counts")).to_contain_text("Probe runs")
    page.get_by_role("button", name="Archive service").click()

    expect(page).to_have_url(f"{e2e.url}/")
    expect(page.locator("ul.messages")).to_contain_text("Service billing archived.")
    archived = page.locator("section.archived-list")
    expect(archived).to_contain_text("billing")
    page.get_by_role("button", name="Restore service billing").click()

    expect(page.locator("h1")).to_have_text("billing")
    environments = page.locator("section.service-environments")
    expect(environments).to_contain_text("https://staging.billing.test")
    page.get_by_role("link", name="Archive staging").click()
    page.get_by_role("button", name="Archive environment").click()

    expect(environments).not_to_contain_text("staging")
    expect(page.locator("section.archived-list")).to_contain_text("Environment staging")
    page.get_by_role("button", name="Restore environment staging").click()

    expect(environments).to_contain_text("https://staging.billing.test")
    expect(page.locator("section.archived-list")).to_have_count(0)
