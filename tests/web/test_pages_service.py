"""The service page: endpoints x environments with accepted-method chips and drift."""

import re

import pytest
from django.urls import reverse

from diagnoser.analysis.model import MethodCell, MethodMatrix, Verdict
from diagnoser.inventory.services import environment_create, service_create
from diagnoser.web.pages.service import chips
from tests.web.conftest import assert_members_only
from tests.web.pages_data import probed_specimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trio, specimens, settings):
    paths = ("/items/{id}", "/health")
    return probed_specimen(specimens, settings, workspace=trio.acme, paths=paths)


def _row(html: str, path: str) -> str:
    match = re.search(rf">{re.escape(path)}</a></th>(.*?)</tr>", html, re.S)
    assert match, f"no row for {path}"
    return match.group(1)


def test_each_cell_lists_the_accepted_methods_as_chips(trio, shop):
    html = trio.client_for(trio.alice).get(reverse("web:service", args=[shop.id])).content.decode()

    staging, prod = re.findall(r"<td.*?</td>", _row(html, "/items/{id}"), re.S)
    assert re.findall(r'<span class="chip(?: differs)?"[^>]*>(\w+)</span>', staging) == [
        "GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"
    ]  # fmt: skip
    assert "PATCH" not in re.findall(r'<span class="chip"[^>]*>(\w+)</span>', prod)


def test_environments_that_disagree_are_highlighted_with_the_difference(trio, shop):
    html = trio.client_for(trio.alice).get(reverse("web:service", args=[shop.id])).content.decode()

    items = _row(html, "/items/{id}")
    assert items.count('class="drift"') == 2
    assert "PATCH accepted (412) here, rejected (405) in prod" in items
    assert 'class="drift"' not in _row(html, "/health")
    assert "environments disagree" in html


def test_cells_link_to_the_endpoint_page_for_their_environment(trio, shop):
    endpoint = shop.endpoints.get(path="/health")
    html = trio.client_for(trio.alice).get(reverse("web:service", args=[shop.id])).content.decode()

    assert f"{reverse('web:endpoint', args=[shop.id, endpoint.id])}?env=prod" in html


def test_cells_show_the_worst_finding_and_probe_age(trio, shop):
    html = trio.client_for(trio.alice).get(reverse("web:service", args=[shop.id])).content.decode()

    assert 'class="sev sev-' in _row(html, "/items/{id}")
    assert "just now" in html


def test_a_service_without_environments_says_what_to_do(trio):
    service = service_create(workspace=trio.acme, name="bare")

    html = trio.client_for(trio.alice).get(reverse("web:service", args=[service.id])).content
    assert b"has no environments yet" in html


def test_unprobed_cells_say_so(trio):
    service = service_create(workspace=trio.acme, name="new")
    environment_create(service=service, name="dev", base_url="https://dev.example")
    from diagnoser.inventory.services import endpoint_create

    endpoint_create(service=service, path="/ping")

    html = trio.client_for(trio.alice).get(reverse("web:service", args=[service.id])).content
    assert b"not probed yet" in html


def test_only_members_see_the_page(trio, shop):
    assert_members_only(trio, reverse("web:service", args=[shop.id]))


def test_a_long_service_is_split_into_pages(trio):
    from diagnoser.inventory.services import endpoint_create

    service = service_create(workspace=trio.acme, name="big")
    environment_create(service=service, name="dev", base_url="https://dev.example")
    for i in range(55):
        endpoint_create(service=service, path=f"/r/{i:02d}")
    client = trio.client_for(trio.alice)

    first = client.get(reverse("web:service", args=[service.id])).content.decode()
    second = client.get(reverse("web:service", args=[service.id]) + "?page=2").content.decode()

    assert "/r/49</a>" in first
    assert "/r/50</a>" not in first
    assert "Endpoints 1\u201350 of 55" in first
    assert "/r/54</a>" in second
    assert 'rel="prev"' in second


def test_a_method_not_accepted_is_a_chip_in_its_verdicts_colour():
    matrix = MethodMatrix(
        cells=(
            MethodCell("PATCH", Verdict.REJECTED, 405, observed=True),
            MethodCell("DELETE", Verdict.FORBIDDEN, 403, observed=True),
        )
    )

    found = chips(matrix, frozenset({"PATCH", "DELETE"}))

    assert [chip.css for chip in found] == [
        "chip refused v-rejected differs",
        "chip refused v-forbidden differs",
    ]


def test_the_chips_the_environments_disagree_on_are_marked(trio, shop):
    html = trio.client_for(trio.alice).get(reverse("web:service", args=[shop.id])).content.decode()

    staging, prod = re.findall(r"<td.*?</td>", _row(html, "/items/{id}"), re.S)
    assert re.findall(r'<span class="chip differs"[^>]*>(\w+)</span>', staging) == ["PATCH"]
    assert re.findall(
        r'<span class="chip refused v-rejected differs"[^>]*>([\w ]+)</span>', prod
    ) == ["PATCH 405"]
    assert "differs" not in _row(html, "/health")
