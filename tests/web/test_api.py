"""The HTTP API: tokens (hashed, revocable, one workspace), the same access rules as the
pages, and each endpoint doing what the page's button does."""

import json
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from openapi_spec_validator import validate

from diagnoser.inventory.models import ApiToken, Membership, Service
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.inventory.tokens import api_token_create, api_token_revoke
from diagnoser.monitoring.models import ProbeRun
from tests.factories import specimen_service
from tests.monitoring.fixtures import LOOPBACK, broker_down, wait_for
from tests.web.conftest import assert_sent_to_login

pytestmark = pytest.mark.django_db


def api(key: str | None) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"} if key else {})


@pytest.fixture
def shop(trio):
    service = service_create(workspace=trio.acme, name="shop")
    environment_create(service=service, name="staging", base_url="http://127.0.0.1:9")
    endpoint_create(service=service, path="/items/{id}")
    return service


@pytest.fixture
def bob_key(trio) -> str:
    return api_token_create(user=trio.bob, workspace=trio.acme, name="CI")[1]


def test_a_token_is_shown_once_and_stored_only_as_its_hash(trio):
    token, key = api_token_create(user=trio.bob, workspace=trio.acme, name="CI")

    assert key.startswith("dgn_")
    assert len(key) > 40
    stored = ApiToken.objects.filter(id=token.id).values()[0]
    assert key not in json.dumps(stored, default=str)
    assert key.startswith(token.prefix)


def test_a_token_is_made_only_for_a_workspace_of_its_user(trio):
    with pytest.raises(ValidationError, match="not a member"):
        api_token_create(user=trio.charlie, workspace=trio.acme, name="sneaky")


def test_without_a_good_token_the_api_answers_401_saying_how_to_authenticate(trio, bob_key):
    url = reverse("api:services")

    missing = api(None).get(url)
    wrong = api("dgn_not-a-real-key").get(url)
    with_cookie = trio.client_for(trio.bob).get(url)  # no session auth: cookies can't drive it

    for answer in (missing, wrong, with_cookie):
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"] == 'Bearer realm="diagnoser"'
    assert "make a new one" in wrong.json()["detail"]
    assert api(bob_key).get(url).status_code == 200


def test_a_revoked_token_or_one_whose_user_left_stops_working(trio, bob_key):
    url = reverse("api:services")
    token = ApiToken.objects.get(user=trio.bob)
    assert api(bob_key).get(url).status_code == 200

    Membership.objects.filter(user=trio.bob, workspace=trio.acme).delete()
    assert api(bob_key).get(url).status_code == 401
    Membership.objects.create(user=trio.bob, workspace=trio.acme)
    api_token_revoke(token=token)
    assert api(bob_key).get(url).status_code == 401


def test_another_workspaces_objects_are_404(trio, shop):
    _, charlie_key = api_token_create(user=trio.charlie, workspace=trio.globex, name="x")
    endpoint = shop.endpoints.get()
    run = ProbeRun.objects.create(
        endpoint=endpoint, environment=shop.environments.get(), trigger="manual"
    )
    client = api(charlie_key)

    assert client.get(reverse("api:services")).json() == []
    assert client.get(reverse("api:targets")).json() == []
    for url in (
        reverse("api:diagnosis", args=[endpoint.id]),
        reverse("api:run", args=[run.id]),
    ):
        assert client.get(url).status_code == 404
    for url in (
        reverse("api:endpoints", args=[shop.id]),
        reverse("api:probe", args=[endpoint.id]),
    ):
        assert client.post(url, {"path": "/x"}, content_type="application/json").status_code == 404


def test_a_token_sees_only_its_own_workspace_even_when_its_user_has_more(trio, shop):
    Membership.objects.create(user=trio.charlie, workspace=trio.acme)
    _, globex_key = api_token_create(user=trio.charlie, workspace=trio.globex, name="g")

    assert api(globex_key).get(reverse("api:services")).json() == []
    endpoint = shop.endpoints.get()
    assert api(globex_key).get(reverse("api:diagnosis", args=[endpoint.id])).status_code == 404


def test_services_and_targets_list_the_workspace(shop, bob_key):
    services = api(bob_key).get(reverse("api:services")).json()
    targets = api(bob_key).get(reverse("api:targets")).json()

    assert services[0]["name"] == "shop"
    assert services[0]["endpoints"] == [{"id": shop.endpoints.get().id, "path": "/items/{id}"}]
    assert services[0]["environments"][0]["policy"] == "safe"
    assert targets == [
        {
            "service": "shop",
            "environment": "staging",
            "endpoint": "/items/{id}",
            "url": targets[0]["url"],
            "last_probed_at": None,
            "worst": None,
            "drift": False,
        }
    ]


def test_registering_an_endpoint_validates_like_the_form(shop, bob_key):
    url = reverse("api:endpoints", args=[shop.id])

    bad = api(bob_key).post(url, {"path": "items"}, content_type="application/json")
    twice = api(bob_key).post(url, {"path": "/items/{id}"}, content_type="application/json")

    assert bad.status_code == 400
    assert "must start with /" in bad.json()["path"][0]
    assert twice.status_code == 400
    assert not Service.objects.get(id=shop.id).endpoints.filter(path="items").exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_probe_is_503_saying_what_to_do(shop, bob_key, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    endpoint = shop.endpoints.get()

    with broker_down():
        answer = api(bob_key).post(reverse("api:probe", args=[endpoint.id]))

    assert answer.status_code == 503
    assert "start Redis" in answer.json()["detail"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_register_probe_and_read_the_diagnosis_through_a_real_worker(trio, specimens, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    service = specimen_service(specimens, workspace=trio.acme, paths=())
    _, key = api_token_create(user=trio.alice, workspace=trio.acme, name="CI")
    client = api(key)

    created = client.post(
        reverse("api:endpoints", args=[service.id]),
        {"path": "/legacy/orders"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["probing"].startswith("Probing it now (2 targets)")
    endpoint_id = created.json()["id"]
    wait_for(
        lambda: not ProbeRun.objects.exclude(state__in=["done", "failed"]).exists(),
        what="the registration's probes",
    )

    queued = client.post(reverse("api:probe", args=[endpoint_id]))
    assert queued.status_code == 202
    run_id = queued.json()[0]["id"]
    wait_for(
        lambda: client.get(reverse("api:run", args=[run_id])).json()["state"] == "done",
        what="the probe run",
    )
    run = client.get(reverse("api:run", args=[run_id])).json()
    latest = client.get(reverse("api:diagnosis", args=[endpoint_id])).json()

    assert run["diagnosis"]["matrix"]
    assert {f["rule"] for f in run["diagnosis"]["findings"]} >= {"missing_allow_on_405"}
    assert [r["environment"] for r in latest] == ["staging", "prod"]
    assert latest[0]["id"] == run_id
    assert latest[0]["diagnosis"]["answer"]["verdict"]


def test_an_inventory_import_lands_in_the_tokens_workspace(trio, bob_key, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    document = yaml.safe_dump(
        {
            "workspace": "globex",  # not the token's: ignored
            "services": [
                {
                    "name": "billing",
                    "environments": [{"name": "dev", "base_url": "http://127.0.0.1:9"}],
                    "endpoints": [{"path": "/invoices"}],
                }
            ],
        }
    )

    with broker_down():
        answer = api(bob_key).post(
            reverse("api:inventory"), {"document": document}, content_type="application/json"
        )
    broken = api(bob_key).post(
        reverse("api:inventory"), {"document": "services: [a"}, content_type="application/json"
    )

    assert answer.status_code == 200, answer.content
    assert "service billing" in answer.json()["created"]
    assert Service.objects.get(name="billing").workspace == trio.acme
    assert not Service.objects.filter(workspace=trio.globex).exists()
    assert broken.status_code == 400
    assert "line" in broken.json()["document"]


def test_an_openapi_import_makes_contracts_and_a_broken_one_answers_400_with_pointers(
    shop, bob_key
):
    url = reverse("api:openapi_import", args=[shop.id])
    ok = {"200": {"description": "ok"}}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Shop", "version": "2"},
        "paths": {
            "/items/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "get": {"responses": ok},
                "delete": {"responses": ok},
            }
        },
    }

    with broker_down():
        answer = api(bob_key).post(
            url, {"document": json.dumps(document)}, content_type="application/json"
        )
    del document["info"]["version"]
    broken = api(bob_key).post(
        url, {"document": yaml.safe_dump(document)}, content_type="application/json"
    )
    neither = api(bob_key).post(url, {}, content_type="application/json")

    assert answer.status_code == 200, answer.content
    imported = answer.json()
    assert imported["changed"] == [
        {"path": "/items/{id}", "added": ["GET", "DELETE"], "removed": []}
    ]
    assert shop.endpoints.get().declared_methods == ["GET", "DELETE"]
    assert broken.status_code == 400
    assert {"pointer": "/info", "message": "'version' is a required property"} in broken.json()[
        "errors"
    ]
    assert neither.status_code == 400
    assert '"url"' in neither.json()["detail"]


def test_the_api_publishes_a_valid_openapi_document_of_its_own():
    answer = Client().get(reverse("api:openapi"))

    assert answer.status_code == 200
    document = answer.json()
    validate(document)
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert {
        "/api/v1/runs/{run_id}/",
        "/api/v1/endpoints/{endpoint_id}/probe/",
        "/api/v1/services/{service_id}/openapi/",
    } <= set(document["paths"])


# --- The API tokens page ---


def test_the_tokens_page_makes_a_token_and_shows_its_key_once(trio):
    client = trio.client_for(trio.bob)
    url = reverse("web:api_tokens")

    made = client.post(url, {"name": "GitHub Actions", "workspace": trio.acme.id})
    again = client.get(url)

    key = made.content.decode().split('id="new-key">')[1].split("<")[0]
    assert key.startswith("dgn_")
    assert api(key).get(reverse("api:services")).status_code == 200
    assert key not in again.content.decode()
    assert "GitHub Actions" in again.content.decode()


def test_a_token_is_only_made_for_ones_own_workspace_from_the_page(trio):
    answer = trio.client_for(trio.bob).post(
        reverse("web:api_tokens"), {"name": "x", "workspace": trio.globex.id}
    )

    assert answer.status_code == 200
    assert "Select a valid choice" in answer.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_and_only_the_owner_of_a_token_may(trio, bob_key):
    token = ApiToken.objects.get(user=trio.bob)
    url = reverse("web:api_token_revoke_confirm", args=[token.id])

    asked = trio.client_for(trio.bob).get(url)
    assert "401 from its next call" in asked.content.decode()
    assert api(bob_key).get(reverse("api:services")).status_code == 200
    for other in (trio.alice, trio.charlie):  # a co-member or an outsider: 404
        assert trio.client_for(other).post(url).status_code == 404
    assert api(bob_key).get(reverse("api:services")).status_code == 200

    trio.client_for(trio.bob).post(url)

    assert api(bob_key).get(reverse("api:services")).status_code == 401
    listed = trio.client_for(trio.bob).get(reverse("web:api_tokens")).content.decode()
    assert ">revoked<" in listed
    assert "Revoke…" not in listed


def test_the_tokens_page_is_for_logged_in_users_only():
    assert_sent_to_login(Client().get(reverse("web:api_tokens")))
