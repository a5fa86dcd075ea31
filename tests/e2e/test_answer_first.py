"""The Diagnose page answers "why does my PATCH get 405?" first, above everything else."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_diagnose_page_leads_with_the_answer_for_the_failed_method(
    e2e, owner, logged_in, specimens
):
    user, _ = owner
    page = logged_in(user)

    page.goto(f"{e2e.url}/diagnose/")
    page.get_by_role("textbox", name="URL").fill(f"{specimens.url('prod')}/items/0")
    page.get_by_label("Method that failed").select_option("PATCH")
    page.locator("input[name=policy][value=full]").check()
    page.get_by_role("button", name="Diagnose").click()

    answer = page.locator("section.diagnosis section.answer").first
    expect(answer.get_by_role("heading")).to_have_text("Why does PATCH get 405?", timeout=30_000)
    expect(answer.locator("dd code").first).to_have_text("method_not_supported")
    expect(answer.locator(".status")).to_have_attribute("title", "405 Method Not Allowed")
    expect(answer.locator("pre code")).to_contain_text("-X PATCH")
    answer_box, matrix_box = answer.bounding_box(), page.locator("table.grid").bounding_box()
    assert answer_box is not None
    assert matrix_box is not None
    assert answer_box["y"] < matrix_box["y"]
    first = page.locator("section.diagnosis h3").first
    expect(first).to_have_text("Why does PATCH get 405?")
