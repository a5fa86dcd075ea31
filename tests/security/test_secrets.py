"""Probe secrets: encrypted at rest under keys kept apart from SECRET_KEY, rotatable with
no loss, and never shown, exported, shared, sent to a webhook, logged or stored in clear,
even when the probed server echoes them back everywhere it can."""

import base64
import contextlib
import html
import ipaddress
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from urllib.parse import quote, quote_plus, unquote_plus

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from diagnoser.inventory import crypto
from diagnoser.inventory.models import Environment, SecretHeader, Service
from diagnoser.inventory.selectors import target_for
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.inventory.tokens import api_token_create
from diagnoser.monitoring.models import AlertChannel, DriftReport, ProbeRun
from diagnoser.monitoring.services.alert_channels import alert_channel_create
from diagnoser.monitoring.services.alerts import drift_check_test_alert, webhook_send
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.monitoring.services.runs import run_request
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.scrub import REDACTED, scrub_text, secret_forms
from diagnoser.sharing.services import share_link_create
from tests.factories import drift_report_probed, run_probe_and_store
from tests.monitoring.fixtures import Receiver
from tests.security.routes import API_ROUTES, PUBLIC, ROUTES
from tests.stubs import Reply, Request, serving
from tests.web.conftest import Trio

pytestmark = pytest.mark.django_db


def fernet_key() -> str:
    return Fernet.generate_key().decode()


# --- Keys ---


def secret_of(environment: Environment) -> str:
    return SecretHeader.objects.get(environment=environment).value


@pytest.fixture
def keyed(settings, trio: Trio) -> Environment:
    """An environment with one secret header, written under a single field key."""
    settings.DIAGNOSER_FIELD_KEYS = [fernet_key()]
    service = service_create(workspace=trio.acme, name="billing")
    return environment_create(
        service=service,
        name="prod",
        base_url="https://billing.example",
        headers={"Authorization": "Bearer rotate-me-0123456789"},
    )


def test_rotating_the_field_keys_loses_no_secret(settings, keyed):
    old = settings.DIAGNOSER_FIELD_KEYS[0]
    settings.DIAGNOSER_FIELD_KEYS = [fernet_key(), old]

    call_command("rotate_field_keys", stdout=StringIO())
    settings.DIAGNOSER_FIELD_KEYS = settings.DIAGNOSER_FIELD_KEYS[:1]

    assert secret_of(keyed) == "Bearer rotate-me-0123456789"
    assert target_for(
        endpoint=endpoint_create(service=keyed.service, path="/x"), environment=keyed
    ).headers == (("Authorization", "Bearer rotate-me-0123456789"),)


def test_dropping_the_old_key_without_rotating_makes_the_secret_unreadable(settings, keyed):
    settings.DIAGNOSER_FIELD_KEYS = [fernet_key()]

    with pytest.raises(crypto.SecretUnreadable):
        secret_of(keyed)


def test_rotation_names_values_no_key_decrypts_and_rotates_the_rest(settings, keyed):
    settings.DIAGNOSER_FIELD_KEYS = [fernet_key()]  # keyed's key is lost
    other = environment_create(
        service=keyed.service, name="staging", base_url="https://staging.billing.example",
        headers={"X-Api-Key": "still-here-0123"},
    )  # fmt: skip
    settings.DIAGNOSER_FIELD_KEYS = [fernet_key(), *settings.DIAGNOSER_FIELD_KEYS]

    with pytest.raises(CommandError, match=r"inventory.SecretHeader \d+"):
        call_command("rotate_field_keys", stdout=StringIO())
    settings.DIAGNOSER_FIELD_KEYS = settings.DIAGNOSER_FIELD_KEYS[:1]

    assert secret_of(other) == "still-here-0123"


def test_rotating_secret_key_loses_no_secret(settings, keyed):
    settings.SECRET_KEY = secrets.token_urlsafe(50)

    assert secret_of(keyed) == "Bearer rotate-me-0123456789"


def test_the_column_holds_a_fernet_token_not_the_value(keyed):
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM inventory_secretheader")
        (stored,) = cursor.fetchone()

    assert "rotate-me" not in stored
    assert crypto.decrypt(stored) == "Bearer rotate-me-0123456789"


# --- Scrubbing what a server echoes ---


def test_scrubbing_replaces_the_value_and_the_credential_alone():
    forms = secret_forms(["Bearer abc-123456", "key"])

    assert {"Bearer abc-123456", "abc-123456"} <= set(forms)
    assert "key" not in forms  # too short to scrub
    assert scrub_text("token=abc-123456; auth=Bearer abc-123456", forms) == (
        f"token={REDACTED}; auth={REDACTED}"
    )


def test_an_excerpt_cut_inside_a_secret_loses_the_cut_part_too():
    assert scrub_text("auth: Bearer abc-1", secret_forms(["Bearer abc-123456"])) == (
        f"auth: {REDACTED}"
    )


# --- A planted secret, followed everywhere it could go ---


def _echo(request: Request) -> Reply:
    """/<env>/items of an API that echoes every credential it gets: into the body, the
    reason phrase, Allow, WWW-Authenticate and X-Powered-By. staging serves PATCH, prod
    does not (drift, so a webhook fires)."""
    env = request.path.strip("/").split("/")[0]
    auth, key = request.headers.get("Authorization", ""), request.headers.get("X-Api-Key", "")
    allowed = {"GET", "HEAD", "OPTIONS", *(["PATCH"] if env == "staging" else [])}
    body = "".join(f"{name}: {value}\n" for name, value in request.headers.items()).encode()
    headers = {
        "Allow": ", ".join([*sorted(allowed), key]),
        "WWW-Authenticate": f'Bearer token="{auth.partition(" ")[2]}"',
        "X-Powered-By": key,
    }
    status = 200 if request.method in allowed else 405
    return Reply(status, body, headers, reason=f"echo {auth}")


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    with serving(_echo) as server:
        yield server.base_url


@dataclass
class Planted:
    credentials: tuple[str, str]  # what must appear nowhere in clear
    service: Service
    run: ProbeRun
    report: DriftReport
    token: str  # of a share link to the run
    report_token: str
    ids: dict[str, int | str]
    webhook: Receiver


def _channel_holding(service: Service, secret: str) -> AlertChannel:
    """An alert channel whose URL carries `secret` (stored as is, as the admin could)."""
    channel = alert_channel_create(
        service=service, name="chat", url="slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazk", events=[]
    )
    AlertChannel.objects.filter(id=channel.id).update(
        url=f"jsons://hooks.example.net/hook?+X-Api-Key={secret}"
    )
    return channel


@pytest.fixture
def planted(trio: Trio, echo_url: str, engine: ProbeEngine, caplog) -> Iterator[Planted]:
    """Unique secrets, probed for real and stored through the real pipeline, a drift
    report and its webhook, share links: everything with DEBUG logging captured."""
    bearer, key = f"planted-{secrets.token_hex(12)}", f"k-{secrets.token_hex(12)}"
    webhook = Receiver()
    caplog.set_level(logging.DEBUG)
    service = service_create(workspace=trio.acme, name="echo")
    environments = [
        environment_create(
            service=service,
            name=name,
            base_url=f"{echo_url}/{name}",
            probe_policy="full",
            cors_origin="https://app.example",
            headers={"Authorization": f"Bearer {bearer}", "X-Api-Key": key},
        )
        for name in ("staging", "prod")
    ]
    endpoint = endpoint_create(service=service, path="/items")

    run = run_probe_and_store(
        engine=engine, run=run_request(endpoint=endpoint, environment=environments[1])
    )
    check = drift_check_create(service=service, name="nightly", webhook_url=webhook.url)
    report = drift_report_probed(engine=engine, check=check)
    assert report.drift_present
    assert webhook_send(report_id=report.id, event="drift_appeared", attempt=1).ok
    assert drift_check_test_alert(check=check).ok
    _, token = share_link_create(run=run, user=trio.alice)
    _, report_token = share_link_create(report=report, user=trio.alice)
    channel = _channel_holding(service, key)
    api_token, api_key = api_token_create(user=trio.alice, workspace=trio.acme, name="CI")
    ids: dict[str, int | str] = {
        "service_id": service.id,
        "environment_id": environments[1].id,
        "header_id": SecretHeader.objects.filter(environment=environments[1])[0].id,
        "endpoint_id": endpoint.id,
        "run_id": run.id,
        "check_id": check.id,
        "report_id": report.id,
        "link_id": 0,
        "channel_id": channel.id,
        "token": token,
        "token_id": api_token.id,
        "api_key": api_key,
    }
    yield Planted((bearer, key), service, run, report, token, report_token, ids, webhook)
    webhook.close()


def leaks(planted: Planted, text: str) -> bool:
    return any(credential in text for credential in planted.credentials)


def test_the_echo_server_really_got_the_secrets_and_echoed_them(planted):
    get = planted.run.observation.observations[0]

    assert REDACTED in get["body_excerpt"]
    assert REDACTED in get["reason"]
    assert "X-Api-Key" in get["body_excerpt"]  # the header went out


def test_no_dashboard_page_or_partial_holds_a_secret(planted, trio: Trio):
    client = trio.client_for(trio.alice)
    leaking = []
    for route in ROUTES:
        if route.name in PUBLIC or route.name == "sharing:revoke":
            continue
        url = route.url(planted.ids)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            if response.status_code == 200 and leaks(planted, response.content.decode()):
                leaking.append(f"{route} {headers}")

    assert not leaking


def test_no_api_answer_holds_a_secret(planted):
    client = Client(headers={"Authorization": f"Bearer {planted.ids['api_key']}"})
    leaking = []
    for route in API_ROUTES:
        response = client.get(route.url(planted.ids))
        if response.status_code == 200 and leaks(planted, response.content.decode()):
            leaking.append(str(route))

    assert not leaking
    answered = client.get(reverse("api:run", args=[planted.run.id])).json()
    assert answered["diagnosis"]["observations"]  # the run's answers are there, scrubbed


@pytest.mark.parametrize(
    "view", ["sharing:public", "sharing:public_export_md", "sharing:public_export_json"]
)
def test_no_shared_snapshot_or_export_holds_a_secret(planted, view):
    for token in (planted.token, planted.report_token):
        response = Client().get(reverse(view, args=[token]))

        assert response.status_code == 200
        assert not leaks(planted, response.content.decode())


@pytest.mark.parametrize(
    "view", ["sharing:run_export_md", "sharing:run_export_json", "sharing:drift_report_export_md",
             "sharing:drift_report_export_json"],
)  # fmt: skip
def test_no_member_export_holds_a_secret(planted, trio: Trio, view):
    subject = planted.run.id if view.startswith("sharing:run") else planted.report.id
    response = trio.client_for(trio.alice).get(reverse(view, args=[subject]))

    assert response.status_code == 200
    assert not leaks(planted, response.content.decode())


def test_no_webhook_payload_holds_a_secret(planted):
    assert len(planted.webhook.received) == 2  # the drift alert and the test alert
    assert not leaks(planted, json.dumps(planted.webhook.received))


def stored_text(cell: object) -> str:
    if isinstance(cell, bytes | memoryview):
        return bytes(cell).decode(errors="replace")
    return cell if isinstance(cell, str) else json.dumps(cell, default=str)


def columns_where(gives_away: Callable[[str], object]) -> list[str]:
    """Every `table.column` of the whole database with a value whose text `gives_away`."""
    leaking = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            names = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for name, cell in zip(names, row, strict=True):
                    if gives_away(stored_text(cell)):
                        leaking.append(f"{table}.{name}")
    return leaking


def test_no_database_column_holds_a_secret_in_clear(planted):
    leaking = columns_where(lambda text: leaks(planted, text))

    assert not leaking
    assert SecretHeader.objects.filter(environment__service=planted.service).count() == 4


def test_no_log_record_holds_a_secret(planted, caplog):
    records = caplog.get_records("setup")  # the planting fixture probed and sent
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in records)

    assert any(r.levelno == logging.DEBUG for r in records)
    assert "/staging/items" in text
    assert not leaks(planted, text)


# --- The same secret echoed in every spelling a server uses ---


def _entities(text: str, spelling: str) -> str:
    return "".join(spelling.format(ord(char)) for char in text)


def _basic_parts(value: str) -> tuple[str, str]:
    """(user:pass, password) of a Basic value; the value twice for any other."""
    if not value.startswith("Basic "):
        return value, value
    decoded = base64.b64decode(value.split()[1]).decode()
    return decoded, decoded.partition(":")[2]


# How servers echo an Authorization value they received (each applied to the value).
SPELLINGS: dict[str, Callable[[str], str]] = {
    "exact": lambda v: v,
    "scheme-less": lambda v: v.partition(" ")[2],
    "lower-cased": str.lower,
    "upper-cased": str.upper,
    "json-slashes": lambda v: json.dumps(v)[1:-1].replace("/", "\\/"),
    "json-u-escapes": lambda v: _entities(v, "\\u{:04x}"),
    "percent": lambda v: quote(v, safe=""),
    "percent-lower-hex": lambda v: quote(v, safe="").lower(),
    "percent-every-byte": lambda v: _entities(v, "%{:02X}"),
    "form-plus": quote_plus,
    "base64": lambda v: base64.b64encode(v.encode()).decode(),
    "base64url": lambda v: base64.urlsafe_b64encode(v.encode()).decode(),
    "html-named": lambda v: html.escape(v).replace("/", "&sol;").replace("=", "&equals;"),
    "html-decimal": lambda v: _entities(v, "&#{};"),
    "html-hex": lambda v: _entities(v, "&#x{:x};"),
    "basic-decoded": lambda v: _basic_parts(v)[0],
    "basic-password": lambda v: _basic_parts(v)[1],
    "basic-password-base64": lambda v: base64.b64encode(_basic_parts(v)[1].encode()).decode(),
}


def _spelling_echo(request: Request) -> Reply:
    """/<env>/<spelling>: echoes the Authorization header it got, in that spelling, into
    its body, reason phrase, WWW-Authenticate and X-Powered-By."""
    name = request.path.rstrip("/").rpartition("/")[2]
    auth = request.headers.get("Authorization", "")
    echoed = SPELLINGS[name](auth) if auth and name in SPELLINGS else ""
    headers = {
        "Allow": "GET, HEAD, OPTIONS",
        "WWW-Authenticate": f'Bearer error="invalid_token", echo="{echoed}"',
        "X-Powered-By": echoed,
        "Content-Type": "text/plain",
    }
    status = 200 if request.method in ("GET", "HEAD", "OPTIONS") else 405
    return Reply(status, f"you sent: {echoed}\n".encode(), headers, reason=f"echo {echoed}")


@pytest.fixture(scope="module")
def spelling_url() -> Iterator[str]:
    with serving(_spelling_echo) as server:
        yield server.base_url


def _undone(text: str) -> set[str]:
    """The text with each spelling (and the page's or export's own escaping) undone, twice
    over, lower-cased: what a reader could recover."""
    views = {text}
    for _ in range(2):
        views |= {html.unescape(v) for v in views}
        views |= {unquote_plus(v) for v in views}
        views |= {
            re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), v).replace("\\/", "/")
            for v in views
        }
        views |= {v.replace("\\\\", "\\") for v in views}
    return {v.lower() for v in views}


@dataclass(frozen=True)
class Credentials:
    bearer: str
    basic: str

    @classmethod
    def planted(cls) -> "Credentials":
        """Unique values with characters every spelling changes (/, +, =, :)."""
        user_pass = f"deploy:{secrets.token_hex(8)}/{secrets.token_hex(6)}"
        return cls(
            bearer=f"Bearer {secrets.token_hex(8)}/{secrets.token_hex(8)}+x=",
            basic="Basic " + base64.b64encode(user_pass.encode()).decode(),
        )

    def leaks(self, text: str) -> str | None:
        """Which secret, in what spelling, the text gives away (None: nothing)."""
        values = (self.bearer, self.basic)
        in_clear = [part for v in values for part in _random_parts(v)]
        encoded = [
            base64.b64encode(form.encode()).decode()[4:-4].lower()
            for v in values
            for form in {v, *_basic_parts(v)}
        ]
        for view in _undone(text):
            for secret in in_clear + encoded:
                if secret.lower() in view:
                    return secret
        return None


@dataclass
class Spelled:
    credentials: Credentials
    runs: list[ProbeRun]
    tokens: list[str]  # share links to each run
    report_token: str
    ids: dict[str, int | str]  # a run whose server echoed a decoded Basic credential

    def leaks(self, text: str) -> str | None:
        return self.credentials.leaks(text)


def _random_parts(value: str) -> list[str]:
    """The random hex runs of a planted value, in clear (the decoded Basic one too)."""
    return re.findall(r"[0-9a-f]{12,}", _basic_parts(value)[0] + " " + value)


@pytest.fixture
def spelled(trio: Trio, spelling_url: str, engine: ProbeEngine) -> Spelled:
    """A Bearer and a Basic credential, each probed against an endpoint per spelling and
    stored by the real pipeline; each run shared, and a drift report shared."""
    credentials = Credentials.planted()
    service = service_create(workspace=trio.acme, name="spelling")
    environments = [
        environment_create(
            service=service, name=name, base_url=f"{spelling_url}/{name}",
            probe_policy="full", headers={"Authorization": value},
        )
        for name, value in (("bearer", credentials.bearer), ("basic", credentials.basic))
    ]  # fmt: skip
    runs = []
    for name in SPELLINGS:
        endpoint = endpoint_create(service=service, path=f"/{name}")
        for environment in environments:
            run = run_request(endpoint=endpoint, environment=environment)
            runs.append(run_probe_and_store(engine=engine, run=run))
    tokens = [share_link_create(run=run, user=trio.alice)[1] for run in runs]
    check = drift_check_create(service=service, name="nightly")
    report = drift_report_probed(engine=engine, check=check)
    _, report_token = share_link_create(report=report, user=trio.alice)
    channel = _channel_holding(service, "no-secret")
    api_token, _ = api_token_create(user=trio.alice, workspace=trio.acme, name="CI")
    shown = list(SPELLINGS).index("basic-decoded") * 2 + 1
    ids: dict[str, int | str] = {
        "service_id": service.id,
        "environment_id": environments[1].id,
        "header_id": SecretHeader.objects.filter(environment=environments[1])[0].id,
        "endpoint_id": runs[shown].endpoint_id,
        "run_id": runs[shown].id,
        "check_id": check.id,
        "report_id": report.id,
        "link_id": 0,
        "channel_id": channel.id,
        "token_id": api_token.id,
        "token": tokens[shown],
    }
    return Spelled(credentials, runs, tokens, report_token, ids)


def test_the_spelling_server_really_echoed_each_spelling(spelled):
    bodies = [run.observation.observations[0]["body_excerpt"] for run in spelled.runs]

    assert all(body.startswith("you sent: ") for body in bodies)
    assert sum(REDACTED in body for body in bodies) == len(bodies)


def test_no_stored_observation_holds_a_secret_in_any_spelling(spelled):
    leaking = {
        f"{run.endpoint.path} in {run.environment.name}": found
        for run in spelled.runs
        if (found := spelled.leaks(json.dumps(run.observation.observations)))
    }

    assert not leaking


def test_no_database_column_holds_a_secret_in_any_spelling(spelled):
    leaking = columns_where(spelled.leaks)

    assert not leaking


RUN_VIEWS = ["web:run", "sharing:run_export_md", "sharing:run_export_json"]
PUBLIC_VIEWS = ["sharing:public", "sharing:public_export_md", "sharing:public_export_json"]


def test_no_member_page_or_export_of_any_run_holds_a_secret_in_any_spelling(spelled, trio):
    client = trio.client_for(trio.alice)
    leaking = []
    for run in spelled.runs:
        urls = [reverse(view, args=[run.id]) for view in RUN_VIEWS]
        urls.append(reverse("web:endpoint", args=[run.endpoint.service_id, run.endpoint_id]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            if found := spelled.leaks(response.content.decode()):
                leaking.append(f"{url}: {found}")

    assert not leaking


def test_no_dashboard_page_or_partial_holds_a_secret_in_any_spelling(spelled, trio):
    client = trio.client_for(trio.alice)
    leaking = []
    for route in ROUTES:
        if route.name in PUBLIC or route.name == "sharing:revoke":
            continue
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(route.url(spelled.ids), headers=headers)
            if response.status_code == 200 and spelled.leaks(response.content.decode()):
                leaking.append(f"{route} {headers}")

    assert not leaking


def test_no_public_page_or_its_exports_hold_a_secret_in_any_spelling(spelled):
    leaking = []
    for token in [*spelled.tokens, spelled.report_token]:
        for view in PUBLIC_VIEWS:
            response = Client().get(reverse(view, args=[token]))
            assert response.status_code == 200
            if found := spelled.leaks(response.content.decode()):
                leaking.append(f"{view}: {found}")

    assert not leaking


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_diagnose_json_holds_no_secret_in_any_spelling(spelling_url, settings, spelling):
    settings.DIAGNOSER_ALLOW_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    credentials = Credentials.planted()
    for name, value in (("bearer", credentials.bearer), ("basic", credentials.basic)):
        out = StringIO()
        with contextlib.suppress(SystemExit):  # the exit status says what it found
            call_command(
                "diagnose", f"{spelling_url}/{name}/{spelling}", "--json",
                "--header", f"Authorization: {value}", stdout=out,
            )  # fmt: skip

        assert "you sent: " in out.getvalue()
        assert not credentials.leaks(out.getvalue())
