"""Log in, log out, and switching between workspaces."""

import pytest
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.models import Membership
from diagnoser.inventory.services import membership_add, service_create
from tests.web.conftest import PASSWORD, assert_sent_to_login

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page():
    response = Client().get(reverse("web:overview"))

    assert_sent_to_login(response)


def test_the_login_page_renders_a_form_without_the_top_bar_menus():
    response = Client().get(reverse("web:login"))

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b"Log out" not in response.content


def test_logging_in_lands_on_the_overview(trio):
    response = Client().post(
        reverse("web:login"), {"username": "alice", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("web:overview")
    assert b"acme" in response.content


def test_a_wrong_password_says_what_to_check(trio):
    response = Client().post(reverse("web:login"), {"username": "alice", "password": "nope"})

    assert response.status_code == 200
    assert b"case-sensitive" in response.content


def test_logging_out_takes_a_post_and_ends_the_session(trio):
    client = trio.client_for(trio.alice)

    response = client.post(reverse("web:logout"))

    assert response.status_code == 302
    assert client.get(reverse("web:overview")).status_code == 302


def test_logging_out_by_get_is_refused(trio):
    response = trio.client_for(trio.alice).get(reverse("web:logout"))

    assert response.status_code == 405


def test_switching_workspace_changes_what_the_overview_lists(trio):
    membership_add(workspace=trio.globex, user=trio.bob, role=Membership.Role.MEMBER)
    service_create(workspace=trio.acme, name="billing")
    service_create(workspace=trio.globex, name="shipping")
    client = trio.client_for(trio.bob)
    assert b"billing" in client.get(reverse("web:overview")).content

    response = client.post(reverse("web:workspace_switch"), {"workspace": trio.globex.id})

    assert response.status_code == 302
    page = client.get(reverse("web:overview")).content
    assert b"shipping" in page
    assert b"billing" not in page


def test_switching_to_a_workspace_you_are_not_in_is_refused(trio):
    service_create(workspace=trio.acme, name="billing")
    client = trio.client_for(trio.charlie)

    response = client.post(reverse("web:workspace_switch"), {"workspace": trio.acme.id})

    assert response.status_code == 404
    assert b"billing" not in client.get(reverse("web:overview")).content


def test_switching_takes_a_post(trio):
    response = trio.client_for(trio.alice).get(reverse("web:workspace_switch"))

    assert response.status_code == 405


def test_anonymous_switch_goes_to_login(trio):
    response = Client().post(reverse("web:workspace_switch"), {"workspace": trio.acme.id})

    assert_sent_to_login(response)


def test_the_switcher_lists_only_your_workspaces(trio):
    membership_add(workspace=trio.globex, user=trio.bob, role=Membership.Role.MEMBER)

    alice_page = trio.client_for(trio.alice).get(reverse("web:overview")).content
    bob_page = trio.client_for(trio.bob).get(reverse("web:overview")).content

    assert b"globex" not in alice_page
    assert b'name="workspace"' in bob_page
    assert b"globex" in bob_page
