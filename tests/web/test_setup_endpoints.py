"""Registering endpoints one by one and pasted in bulk."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.models import Endpoint
from diagnoser.inventory.services import endpoint_create, service_create
from tests.web.conftest import assert_sent_to_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(trio):
    service = service_create(workspace=trio.acme, name="shop")
    endpoint_create(service=service, path="/users/{id}", samples={"id": "0"})
    return service


def _pages(service) -> dict[str, str]:
    endpoint = service.endpoints.get(path="/users/{id}")
    return {
        "new": reverse("web:endpoint_new", args=[service.id]),
        "edit": reverse("web:endpoint_edit", args=[service.id, endpoint.id]),
        "bulk": reverse("web:endpoints_bulk", args=[service.id]),
        "samples": reverse("web:endpoint_samples", args=[service.id]),
    }


def _bulk(client: Client, shop, text: str, action: str):
    """The bulk form, pasted with `text` and sent with its preview or create button."""
    return client.post(_pages(shop)["bulk"], {"text": text, "action": action})


@pytest.mark.parametrize("page", ["new", "edit", "bulk"])
@pytest.mark.parametrize("who", ["alice", "bob"])
def test_owner_and_member_open_the_forms(trio, shop, page, who):
    response = trio.client_for(getattr(trio, who)).get(_pages(shop)[page])

    assert response.status_code == 200


@pytest.mark.parametrize("page", ["new", "edit", "bulk"])
def test_an_outsider_gets_404_for_every_form(trio, shop, page):
    response = trio.client_for(trio.charlie).get(_pages(shop)[page])

    assert response.status_code == 404


@pytest.mark.parametrize("page", ["new", "edit", "bulk", "samples"])
def test_an_outsider_creates_nothing_and_gets_404(trio, shop, page):
    response = trio.client_for(trio.charlie).post(
        _pages(shop)[page], {"path": "/evil", "text": "/evil", "action": "create"}
    )

    assert response.status_code == 404
    assert Endpoint.objects.count() == 1


@pytest.mark.parametrize("page", ["new", "edit", "bulk", "samples"])
def test_anonymous_visitors_are_sent_to_login(client, shop, page):
    response = client.post(_pages(shop)[page])

    assert_sent_to_login(response)


def test_an_endpoint_is_created_with_samples_policy_and_declared_methods(trio, shop):
    response = trio.client_for(trio.bob).post(
        _pages(shop)["new"],
        {
            "path": "/orders/{order_uuid}/lines/{n}",
            "sample_n": "3",
            "policy_override": "safe",
            "declared_methods": ["GET", "DELETE"],
        },
    )

    endpoint = Endpoint.objects.get(path="/orders/{order_uuid}/lines/{n}")
    assert endpoint.samples == {"n": "3"}
    assert endpoint.policy_override == "safe"
    assert endpoint.declared_methods == ["GET", "DELETE"]
    assert response["Location"] == reverse("web:endpoint", args=[shop.id, endpoint.id])


def test_a_bad_template_is_refused_on_the_field_and_the_input_kept(trio, shop):
    response = trio.client_for(trio.alice).post(
        _pages(shop)["new"], {"path": "/users/{id", "declared_methods": ["PUT"]}
    )

    assert response.status_code == 200
    assert "unbalanced braces" in response.text
    assert 'value="/users/{id"' in response.text
    assert re.search(r'value="PUT"[^>]*checked', response.text)
    assert Endpoint.objects.count() == 1


def test_a_path_not_starting_with_a_slash_is_refused(trio, shop):
    response = trio.client_for(trio.alice).post(_pages(shop)["new"], {"path": "users"})

    assert "must start with /" in response.text


def test_a_registered_path_is_refused(trio, shop):
    response = trio.client_for(trio.alice).post(_pages(shop)["new"], {"path": "/users/{id}"})

    assert "already has the endpoint /users/{id}" in response.text


def test_typing_a_path_offers_a_sample_field_per_placeholder(trio, shop):
    response = trio.client_for(trio.alice).post(
        _pages(shop)["samples"], {"path": "/a/{tenant}/b/{item_uuid}"}, HTTP_HX_REQUEST="true"
    )

    assert response.text.lstrip().startswith('<div id="sample-fields"')
    assert 'name="sample_tenant"' in response.text
    assert 'name="sample_item_uuid"' in response.text
    assert "the nil UUID" in response.text


def test_the_sample_check_reports_a_broken_template(trio, shop):
    response = trio.client_for(trio.alice).post(
        _pages(shop)["samples"], {"path": "/a/{}"}, HTTP_HX_REQUEST="true"
    )

    assert "empty placeholder" in response.text


def test_editing_changes_samples_and_clears_the_policy_override(trio, shop):
    endpoint = shop.endpoints.get()
    endpoint.policy_override = "full"
    endpoint.save()

    trio.client_for(trio.bob).post(
        _pages(shop)["edit"], {"sample_id": "42", "policy_override": "", "declared_methods": []}
    )

    endpoint.refresh_from_db()
    assert endpoint.samples == {"id": "42"}
    assert endpoint.policy_override == ""
    assert endpoint.path == "/users/{id}"


def test_bulk_create_adds_the_new_paths_and_merges_methods_per_path(trio, shop):
    text = "/items\nGET,POST /orders\nDELETE /orders\n/users/{id}"

    response = _bulk(trio.client_for(trio.bob), shop, text, "create")

    assert response["Location"] == reverse("web:service", args=[shop.id])
    assert set(shop.endpoints.values_list("path", flat=True)) == {
        "/items",
        "/orders",
        "/users/{id}",
    }
    assert shop.endpoints.get(path="/orders").declared_methods == ["GET", "POST", "DELETE"]


@pytest.mark.parametrize(
    ("text", "action", "shown"),
    [
        pytest.param(
            "/items\nGET,POST /orders\n\n# a comment\nDELETE /orders\n/users/{id}",
            "preview",
            ["<code>/orders</code>", "already registered"],
            id="a preview shows each line",
        ),
        pytest.param(
            "/items\n/orders\nFETCH /things\n/ok\nitems-without-slash",
            "create",
            [
                "line 3: FETCH is not a method",
                "line 5: write one path starting with /",
                "FETCH /things",  # what was pasted is kept
            ],
            id="a create names the bad lines",
        ),
    ],
)
def test_bulk_creates_nothing_on_a_preview_or_a_bad_line(trio, shop, text, action, shown):
    response = _bulk(trio.client_for(trio.alice), shop, text, action)

    assert response.status_code == 200
    for snippet in shown:
        assert snippet in response.text
    assert Endpoint.objects.count() == 1
