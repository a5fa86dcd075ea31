"""Registering and editing services, environments and their secret headers."""

import pytest
from django.urls import reverse

from diagnoser.inventory.models import Environment, SecretHeader, Service
from diagnoser.inventory.services import (
    endpoint_create,
    environment_create,
    secret_header_set,
    service_create,
)
from tests.web.conftest import assert_sent_to_login

pytestmark = pytest.mark.django_db

TOKEN = "Bearer stored-secret-value-abcdefghij"


@pytest.fixture
def shop(trio):
    service = service_create(workspace=trio.acme, name="shop")
    environment = environment_create(
        service=service,
        name="prod",
        base_url="https://api.shop.test",
        is_production=True,
        headers={"Authorization": TOKEN},
    )
    endpoint_create(service=service, path="/items")
    return environment


def _pages(env: Environment) -> dict[str, str]:
    service_id, header = env.service_id, env.secret_headers.get()
    return {
        "service_edit": reverse("web:service_edit", args=[service_id]),
        "environment_new": reverse("web:environment_new", args=[service_id]),
        "environment_edit": reverse("web:environment_edit", args=[service_id, env.id]),
        "header_save": reverse("web:secret_header_save", args=[service_id, env.id]),
        "header_remove": reverse("web:secret_header_remove", args=[service_id, env.id, header.id]),
    }


GET_PAGES = ["service_edit", "environment_new", "environment_edit"]


@pytest.mark.parametrize("page", GET_PAGES)
@pytest.mark.parametrize("who", ["alice", "bob"])
def test_owner_and_member_open_the_forms(trio, shop, page, who):
    response = trio.client_for(getattr(trio, who)).get(_pages(shop)[page])

    assert response.status_code == 200


@pytest.mark.parametrize("page", GET_PAGES)
def test_an_outsider_gets_404_for_every_form(trio, shop, page):
    response = trio.client_for(trio.charlie).get(_pages(shop)[page])

    assert response.status_code == 404


@pytest.mark.parametrize("page", [*GET_PAGES, "header_save", "header_remove"])
def test_an_outsider_changes_nothing_and_gets_404(trio, shop, page):
    response = trio.client_for(trio.charlie).post(
        _pages(shop)[page], {"name": "X-Evil", "value": "1", "base_url": "https://evil.test"}
    )

    assert response.status_code == 404
    assert SecretHeader.objects.get().name == "Authorization"
    assert Environment.objects.count() == 1


@pytest.mark.parametrize("page", [*GET_PAGES, "header_save", "header_remove"])
def test_anonymous_visitors_are_sent_to_login(client, shop, page):
    response = client.post(_pages(shop)[page])

    assert_sent_to_login(response)


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_the_new_service_form_opens_for_anyone_in_a_workspace(trio, who):
    response = trio.client_for(getattr(trio, who)).get(reverse("web:service_new"))

    assert response.status_code == 200


def test_a_new_service_lands_in_the_users_workspace_and_asks_for_environments(trio):
    response = trio.client_for(trio.charlie).post(reverse("web:service_new"), {"name": "ledger"})

    service = Service.objects.get(name="ledger")
    assert service.workspace == trio.globex
    assert response["Location"] == reverse("web:environment_new", args=[service.id])


def test_a_duplicate_service_name_is_refused_on_the_field(trio, shop):
    response = trio.client_for(trio.bob).post(reverse("web:service_new"), {"name": "shop"})

    assert response.status_code == 200
    assert "already has a service named" in response.text
    assert Service.objects.count() == 1


def test_renaming_a_service(trio, shop):
    response = trio.client_for(trio.bob).post(
        reverse("web:service_edit", args=[shop.service_id]), {"name": "storefront"}
    )

    assert response.status_code == 302
    assert Service.objects.get().name == "storefront"


def test_the_environment_form_states_the_policies_plainly(trio, shop):
    response = trio.client_for(trio.alice).get(
        reverse("web:environment_new", args=[shop.service_id])
    )

    text = response.text
    assert "Production environments default to safe" in text
    assert "unsafe verbs are not sent, they are inferred from Allow" in text
    assert "may act on them and create, change or delete data" in text


def test_a_production_environment_defaults_to_safe(trio, shop):
    trio.client_for(trio.alice).post(
        reverse("web:environment_new", args=[shop.service_id]),
        {"name": "eu", "base_url": "https://eu.shop.test/", "is_production": "on"},
    )

    environment = Environment.objects.get(name="eu")
    assert environment.probe_policy == "safe"
    assert environment.base_url == "https://eu.shop.test"


def test_a_bad_base_url_is_refused_and_what_was_typed_kept(trio, shop):
    response = trio.client_for(trio.alice).post(
        reverse("web:environment_new", args=[shop.service_id]),
        {"name": "qa", "base_url": "gopher://qa.shop.test", "cors_origin": "https://app.test"},
    )

    assert response.status_code == 200
    assert "use an http:// or https:// URL" in response.text
    assert 'value="gopher://qa.shop.test"' in response.text
    assert 'value="qa"' in response.text
    assert not Environment.objects.filter(name="qa").exists()


def test_secret_headers_typed_on_a_form_with_errors_are_not_sent_back(trio, shop):
    response = trio.client_for(trio.alice).post(
        reverse("web:environment_new", args=[shop.service_id]),
        {"name": "prod", "base_url": "https://x.test", "headers": "X-Key: typed-secret-value-123"},
    )

    assert "already has an environment named" in response.text
    assert "typed-secret-value-123" not in response.text


def test_the_base_url_is_checked_inline(trio):
    client = trio.client_for(trio.bob)
    url = reverse("web:validate_base_url")

    good = client.post(url, {"base_url": "HTTPS://API.Shop.test:443/v1/"}, HTTP_HX_REQUEST="true")
    bad = client.post(url, {"base_url": "api.shop.test"}, HTTP_HX_REQUEST="true")

    assert "https://api.shop.test/v1/" in good.text
    assert "check-ok" in good.text
    assert "has no scheme" in bad.text
    assert "check-bad" in bad.text


def test_the_inline_check_needs_a_login(client):
    response = client.post(reverse("web:validate_base_url"), {"base_url": "https://x.test"})

    assert response.status_code == 302


def test_unticking_production_with_the_policy_untouched_keeps_it_safe(trio, shop):
    url = reverse("web:environment_edit", args=[shop.service_id, shop.id])
    fields = {"name": "prod", "base_url": shop.base_url, "probe_policy": "safe"}

    trio.client_for(trio.bob).post(url, fields)  # production unticked, policy untouched
    shop.refresh_from_db()

    assert not shop.is_production
    assert shop.probe_policy == "safe"  # full is only ever an explicit choice


def test_a_secret_header_shows_only_a_mask(trio, shop):
    response = trio.client_for(trio.alice).get(
        reverse("web:environment_edit", args=[shop.service_id, shop.id])
    )

    assert "••••ghij" in response.text
    assert "stored-secret-value" not in response.text


def test_replacing_a_secret_header_needs_a_new_value(trio, shop):
    url = reverse("web:secret_header_save", args=[shop.service_id, shop.id])
    client = trio.client_for(trio.bob)

    empty = client.post(url, {"name": "Authorization", "value": ""}, HTTP_HX_REQUEST="true")
    replaced = client.post(
        url,
        {"name": "authorization", "value": "Bearer new-value-0000000000"},
        HTTP_HX_REQUEST="true",
    )

    assert "This field is required" in empty.text
    assert replaced.text.lstrip().startswith('<section id="secret-headers"')
    assert SecretHeader.objects.get().value == "Bearer new-value-0000000000"
    assert "new-value" not in replaced.text


def test_deleting_a_secret_header_without_javascript_returns_to_the_form(trio, shop):
    header = shop.secret_headers.get()

    response = trio.client_for(trio.alice).post(
        reverse("web:secret_header_remove", args=[shop.service_id, shop.id, header.id])
    )

    assert response["Location"] == reverse("web:environment_edit", args=[shop.service_id, shop.id])
    assert not SecretHeader.objects.exists()


def test_a_header_of_another_environment_cannot_be_reached_through_this_one(trio, shop):
    other = environment_create(service=shop.service, name="staging", base_url="https://s.test")
    secret_header_set(environment=other, name="X-Key", value="x")
    header = other.secret_headers.get()

    response = trio.client_for(trio.alice).post(
        reverse("web:secret_header_remove", args=[shop.service_id, shop.id, header.id])
    )

    assert response.status_code == 404
    assert other.secret_headers.exists()


@pytest.mark.parametrize("page", GET_PAGES)
def test_breadcrumbs_separate_with_the_same_chevron_as_the_other_pages(trio, shop, page):
    html = trio.client_for(trio.alice).get(_pages(shop)[page]).content.decode()

    crumbs = html.split('class="breadcrumbs"')[1].split("</nav>")[0]
    assert '<span class="sep" aria-hidden="true">\u203a</span>' in crumbs
    assert ">/<" not in crumbs
