"""The environment form and the inline base-URL check apply the probe guard at entry."""

import pytest
from django.urls import reverse

from diagnoser.inventory.models import Environment
from diagnoser.inventory.services import service_create

pytestmark = pytest.mark.django_db


def test_the_form_shows_the_refusal_and_saves_nothing(trio):
    shop = service_create(workspace=trio.acme, name="shop")

    response = trio.client_for(trio.alice).post(
        reverse("web:environment_new", args=[shop.id]),
        {"name": "prod", "base_url": "http://169.254.169.254/latest", "probe_every": "15m"},
    )

    assert response.status_code == 200
    assert "cloud metadata address" in response.content.decode()
    assert not Environment.objects.exists()


def test_the_inline_check_says_a_name_that_does_not_resolve_is_saved_anyway(trio):
    response = trio.client_for(trio.bob).post(
        reverse("web:validate_base_url"), {"base_url": "https://api.nowhere.invalid"}
    )

    text = response.content.decode()
    assert "Probes will go to https://api.nowhere.invalid/" in text
    assert "does not resolve from here right now" in text
