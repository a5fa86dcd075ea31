"""The owner / member / outsider trio every view is tested with (after healthchecks'
alice, bob and charlie): alice owns the "acme" workspace, bob is a member of it, and
charlie owns "globex" and nothing else."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.models import Membership, Workspace
from diagnoser.inventory.services import membership_add, workspace_create

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Trio:
    alice: User  # owner of acme
    bob: User  # member of acme
    charlie: User  # outsider: owner of globex only
    acme: Workspace
    globex: Workspace

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def trio(db: None) -> Trio:
    alice = User.objects.create_user("alice", password=PASSWORD)
    bob = User.objects.create_user("bob", password=PASSWORD)
    charlie = User.objects.create_user("charlie", password=PASSWORD)
    acme = workspace_create(name="acme", owner=alice)
    membership_add(workspace=acme, user=bob, role=Membership.Role.MEMBER)
    globex = workspace_create(name="globex", owner=charlie)
    return Trio(alice, bob, charlie, acme, globex)


def assert_sent_to_login(response: HttpResponseBase) -> None:
    """What an anonymous visitor gets instead of the page: a redirect to log in."""
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def assert_members_only(trio: Trio, url: str) -> None:
    """alice and bob open the page, charlie (an outsider) gets 404, and an anonymous
    visitor is sent to log in."""
    for user in (trio.alice, trio.bob):
        assert trio.client_for(user).get(url).status_code == 200
    assert trio.client_for(trio.charlie).get(url).status_code == 404
    assert_sent_to_login(Client().get(url))
