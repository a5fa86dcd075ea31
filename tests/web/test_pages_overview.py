"""The overview: services, environments, endpoint counts, worst finding, probe age."""

import pytest
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.services import service_create
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK
from tests.web import pages_data
from tests.web.pages_data import probe_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trio, specimens, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(
        specimens, workspace=trio.acme, paths=("/legacy/orders", "/health", "/search")
    )
    return service


def test_services_list_their_environments_and_endpoint_count(trio, shop):
    html = trio.client_for(trio.alice).get(reverse("web:overview")).content.decode()

    assert "shop" in html
    assert "3 endpoints" in html
    assert ">staging</span>" in html
    assert ">prod</span>" in html


def test_each_endpoint_shows_its_worst_finding_and_last_probe_age(trio, shop):
    probe_all(shop)

    html = trio.client_for(trio.alice).get(reverse("web:overview")).content.decode()

    orders = html.split("/legacy/orders</a>")[1].split("</tr>")[0]
    assert '<span class="sev sev-error"' in orders
    assert "just now" in orders
    assert 'title="20' in orders  # the exact time on hover


def test_an_endpoint_without_runs_says_not_probed_yet(trio, shop):
    html = trio.client_for(trio.alice).get(reverse("web:overview")).content.decode()

    assert "not probed yet" in html
    assert "never" in html


def test_the_rows_refresh_themselves_every_ten_seconds(trio, shop):
    html = trio.client_for(trio.alice).get(reverse("web:overview")).content.decode()

    assert 'hx-trigger="every 10s"' in html


def test_the_htmx_poll_gets_only_the_table_body(trio, shop):
    response = trio.client_for(trio.bob).get(reverse("web:overview"), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.startswith('<tbody id="overview-rows"')
    assert html.rstrip().endswith("</tbody>")
    assert "HX-Request" in response["Vary"]


def test_new_runs_show_up_in_the_next_poll(trio, shop):
    client = trio.client_for(trio.alice)
    before = client.get(reverse("web:overview"), HTTP_HX_REQUEST="true").content.decode()
    probe_all(shop)

    after = client.get(reverse("web:overview"), HTTP_HX_REQUEST="true").content.decode()

    assert before.count("not probed yet") == 3
    assert "not probed yet" not in after


def test_an_outsider_sees_none_of_the_workspace(trio, shop):
    response = trio.client_for(trio.charlie).get(reverse("web:overview"))

    assert response.status_code == 200
    assert b"shop" not in response.content
    assert b"globex" in response.content


def test_an_outsiders_poll_sees_none_of_the_workspace(trio, shop):
    response = trio.client_for(trio.charlie).get(reverse("web:overview"), HTTP_HX_REQUEST="true")

    assert b"shop" not in response.content


def test_an_empty_workspace_says_what_to_do(trio):
    html = trio.client_for(trio.charlie).get(reverse("web:overview")).content

    assert b"No services in globex yet" in html


def test_services_are_listed_for_owner_and_member(trio, shop):
    service_create(workspace=trio.acme, name="billing")
    for user in (trio.alice, trio.bob):
        html = trio.client_for(user).get(reverse("web:overview")).content
        assert b"billing" in html
        assert b"shop" in html


def test_anonymous_visitors_are_sent_to_login():
    response = Client().get(reverse("web:overview"), HTTP_HX_REQUEST="true")

    assert response.status_code == 302


def test_a_big_service_shows_its_most_troubled_endpoints_and_counts_the_rest(trio, shop):
    from diagnoser.inventory.services import endpoint_create
    from diagnoser.web.pages.overview import ROWS_PER_SERVICE

    for i in range(ROWS_PER_SERVICE):
        endpoint_create(service=shop, path=f"/zz/{i:02d}")
    legacy = shop.endpoints.get(path="/legacy/orders")
    prod = shop.environments.get(name="prod")
    pages_data.record(legacy, prod, pages_data.probe(legacy, prod))

    html = trio.client_for(trio.alice).get(reverse("web:overview")).content.decode()

    assert "28 endpoints" in html
    assert html.index("/legacy/orders</a>") < html.index("/health</a>")  # the error first
    assert "3 more endpoints, none worse than those above" in html
    assert '<span class="sev sev-error">1 error</span>' in html
    assert '<span class="sev sev-notprobed">27 not probed</span>' in html


def test_environments_that_accept_different_methods_mark_the_endpoint_drift(
    trio, specimens, settings
):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    items = specimen_service(specimens, workspace=trio.acme, paths=("/items/{id}",), name="items")
    probe_all(items)

    html = trio.client_for(trio.alice).get(reverse("web:overview")).content.decode()

    row = html.split("/items/{id}</a>")[1].split("</tr>")[0]
    assert ">drift</span>" in row
    assert "PATCH: accepted (" in row  # the title names the method and each side
    assert "in staging, rejected (405) in prod" in row
    assert "sev-ok" not in row


def test_a_drifting_endpoint_counts_as_a_warning_and_sorts_before_the_quiet_ones(
    trio, specimens, settings
):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    items = specimen_service(
        specimens, workspace=trio.acme, paths=("/health", "/items/{id}"), name="items"
    )
    probe_all(items)

    html = trio.client_for(trio.alice).get(reverse("web:overview")).content.decode()

    assert html.index("/items/{id}</a>") < html.index("/health</a>")
    assert "drift" not in html.split("/health</a>")[1].split("</tr>")[0]


def test_an_empty_workspace_links_to_registering_a_service(trio):
    html = trio.client_for(trio.charlie).get(reverse("web:overview")).content.decode()

    assert reverse("web:service_new") in html


def test_every_page_links_to_a_new_service_from_the_nav(trio):
    html = trio.client_for(trio.alice).get(reverse("web:diagnose")).content.decode()
    nav = html[html.index('<nav class="nav"') : html.index("</nav>")]

    assert f'href="{reverse("web:service_new")}"' in nav
