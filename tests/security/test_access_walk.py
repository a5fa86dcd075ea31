"""Every route of the browser UI and of sharing, enumerated from the URLconf (a route added
later is walked too): unsafe requests need the CSRF token, GET changes nothing, outsiders
get 404 for any object id, anonymous visitors go to the login page.

The ids come from a seeded workspace (acme's leaky API with real runs, a drift report and
a share link); a member opening each route proves those ids are real, so the outsider's
404 means "not yours", not "no such thing".
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from diagnoser.inventory.tokens import api_token_create
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.monitoring.services.runs import run_request
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbeReport, Target
from diagnoser.sharing.services import share_link_create
from tests.factories import drift_report_probed, run_probe_and_store
from tests.security.routes import API_ROUTES, PUBLIC, ROUTES, Route
from tests.sharing.conftest import Api
from tests.web.conftest import Trio

pytestmark = pytest.mark.django_db

UNSAFE = ("post", "put", "patch", "delete")
# What GET must never change; sessions and login attempts are bookkeeping, not state.
STATE_APPS = ("auth", "inventory", "monitoring", "sharing", "django_celery_beat")


WITH_IDS = [route for route in ROUTES if route.params and route.name not in PUBLIC]
PRIVATE = [route for route in ROUTES if route.name not in PUBLIC]


@dataclass(frozen=True)
class Seeded:
    ids: dict[str, Any]

    def url(self, route: Route) -> str:
        return route.url(self.ids)


# Probe reports of the leaky API, probed once per test session: every test stores them
# afresh through the real services, without waiting on the network again.
_REPORTS: dict[str, ProbeReport] = {}


class _Replaying:
    """Probes each URL once per session, then replays its report."""

    def __init__(self, engine: ProbeEngine) -> None:
        self._engine = engine

    def probe(self, target: Target) -> ProbeReport:
        if target.url not in _REPORTS:
            _REPORTS[target.url] = self._engine.probe(target)
        return _REPORTS[target.url]


@pytest.fixture
def seeded(api: Api, engine: ProbeEngine, trio: Trio) -> Seeded:
    """acme's leaky API with a run, a finished drift report and a share link."""
    replaying = _Replaying(engine)
    run = run_request(endpoint=api.endpoint, environment=api.prod)
    run_probe_and_store(engine=replaying, run=run)
    check = drift_check_create(service=api.service, name="nightly")
    report = drift_report_probed(engine=replaying, check=check)
    link, token = share_link_create(run=run, user=trio.alice)
    api_token, api_key = api_token_create(user=trio.bob, workspace=trio.acme, name="CI")
    return Seeded(
        {
            "service_id": api.service.id,
            "environment_id": api.prod.id,
            "header_id": api.prod.secret_headers.get().id,
            "endpoint_id": api.endpoint.id,
            "run_id": run.id,
            "check_id": report.drift_check_id,
            "report_id": report.id,
            "link_id": link.id,
            "token": token,
            "token_id": api_token.id,
            "api_key": api_key,
        }
    )


# Bookkeeping columns a read may write: when an API token was last used.
BOOKKEEPING = {"inventory.ApiToken": {"last_used_at"}}


def state() -> dict[str, list[dict[str, Any]]]:
    return {
        model._meta.label: [
            {k: v for k, v in row.items() if k not in BOOKKEEPING.get(model._meta.label, ())}
            for row in model._default_manager.order_by("pk").values()
        ]
        for app in STATE_APPS
        for model in apps.get_app_config(app).get_models()
    }


def logged_in(user: User, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, **kwargs: Any) -> Any:
    return getattr(client, method)(url, **kwargs)


def test_the_walk_finds_the_routes_of_both_namespaces():
    names = {route.name for route in ROUTES}

    assert {"web:overview", "web:endpoint_probe", "sharing:revoke", "sharing:public"} <= names
    assert len(ROUTES) >= 30


def test_every_url_parameter_has_a_seeded_object(seeded):
    routes = ROUTES + API_ROUTES
    unknown = {param for route in routes for param in route.params} - set(seeded.ids)

    assert not unknown, f"seed an object for {unknown} in the `seeded` fixture"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_unsafe_requests_without_the_csrf_token_are_refused(seeded, trio: Trio, route):
    client = logged_in(trio.alice, enforce_csrf_checks=True)
    before = state()

    for headers in ({}, {"HX-Request": "true"}):
        for method in UNSAFE:
            response = send(client, method, seeded.url(route), headers=headers)

            assert response.status_code == 403, f"{method.upper()} {route} {headers}"
            assert b"CSRF" in response.content
    assert state() == before


def test_the_token_htmx_sends_from_hx_headers_is_accepted(seeded, trio: Trio):
    client = logged_in(trio.alice, enforce_csrf_checks=True)
    page = client.get(reverse("web:drift", args=[seeded.ids["service_id"]])).text
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    toggle = reverse(
        "web:drift_check_toggle", args=[seeded.ids["service_id"], seeded.ids["check_id"]]
    )

    response = client.post(toggle, headers={"HX-Request": "true", "X-CSRFToken": token})

    assert response.status_code == 200


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_get_and_head_change_nothing(seeded, trio: Trio, route):
    client = logged_in(trio.alice)
    before = state()

    for method in ("get", "head"):
        assert send(client, method, seeded.url(route)).status_code < 500
    assert state() == before


@pytest.mark.parametrize("route", WITH_IDS, ids=str)
def test_a_member_reaches_every_object_route(seeded, trio: Trio, route):
    client = logged_in(trio.bob)

    response = client.get(seeded.url(route))
    if response.status_code == 405:
        response = client.post(seeded.url(route))

    assert response.status_code not in (404, 405)
    assert response.status_code < 500


@pytest.mark.parametrize("route", WITH_IDS, ids=str)
def test_an_outsider_gets_404_for_every_object_route(seeded, trio: Trio, route):
    client = logged_in(trio.charlie)
    before = state()

    statuses = {
        method: send(client, method, seeded.url(route)).status_code for method in ("get", "post")
    }

    assert set(statuses.values()) <= {404, 405}, statuses
    assert 404 in statuses.values()
    assert state() == before


@pytest.mark.parametrize("route", PRIVATE, ids=str)
def test_an_anonymous_visitor_is_sent_to_the_login_page(seeded, route):
    login = reverse("web:login")
    before = state()

    responses = [send(Client(), method, seeded.url(route)) for method in ("get", "post")]

    redirects = [r for r in responses if r.status_code == 302]
    assert redirects, [r.status_code for r in responses]
    assert all(r["Location"].startswith(login) for r in redirects)
    assert all(r.status_code in (302, 405) for r in responses)
    assert state() == before


@pytest.mark.parametrize("route", sorted(PUBLIC - {"web:login"}), ids=str)
def test_the_public_routes_answer_anyone_holding_the_token(seeded, trio: Trio, route):
    url = seeded.url(Route(route, ("token",)))

    assert Client().get(url).status_code == 200
    assert logged_in(trio.charlie).get(url).status_code == 200


# --- The HTTP API: a bearer token, never a cookie ---

API_WITH_IDS = [route for route in API_ROUTES if route.params]
API_PRIVATE = [route for route in API_ROUTES if route.name != "api:openapi"]


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_the_walk_finds_the_api_routes():
    assert {"api:services", "api:probe", "api:run", "api:openapi"} <= {r.name for r in API_ROUTES}


@pytest.mark.parametrize("route", API_PRIVATE, ids=str)
def test_the_api_answers_401_without_a_token_even_to_a_logged_in_browser(seeded, trio, route):
    clients = (Client(), logged_in(trio.alice))
    before = state()

    for client in clients:
        for method in ("get", "post"):
            response = send(client, method, seeded.url(route))
            assert response.status_code == 401, f"{method.upper()} {route}"
    assert state() == before


@pytest.mark.parametrize("route", API_WITH_IDS, ids=str)
def test_a_token_of_another_workspace_gets_404_for_every_object_route(seeded, trio, route):
    _, key = api_token_create(user=trio.charlie, workspace=trio.globex, name="outsider")
    before = state()

    statuses = {
        method: send(bearer(key), method, seeded.url(route)).status_code
        for method in ("get", "post")
    }

    assert set(statuses.values()) <= {404, 405}, statuses
    assert 404 in statuses.values()
    assert state() == before


@pytest.mark.parametrize("route", API_WITH_IDS, ids=str)
def test_a_members_token_reaches_every_object_route(seeded, route):
    client = bearer(seeded.ids["api_key"])

    response = client.get(seeded.url(route))
    if response.status_code == 405:
        response = client.post(seeded.url(route), {}, content_type="application/json")

    assert response.status_code not in (401, 403, 404, 405), response.content
    assert response.status_code < 500
