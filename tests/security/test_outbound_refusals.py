"""Every way of pointing a request inside is refused with a message saying why, through
each public way out: the probe engine, the webhook sender (a drift alert and the test
alert), the "Diagnose a URL" page and the drift-check form that stores a webhook URL.

`transport.resolve` plays the DNS (names in NAMES; IP spellings are parsed as numbers,
never looked up) and `socket.socket.connect` lets only loopback through: any other
connection attempt is recorded, fails, and fails the test. No packet leaves the machine.
"""

import html
import ipaddress
import logging
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diagnoser.inventory.models import Service
from diagnoser.inventory.services import service_create, workspace_create
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import (
    AlertChannel,
    AlertDelivery,
    DriftCheck,
    DriftReport,
    Trigger,
)
from diagnoser.monitoring.services.alert_channels import alert_channel_create
from diagnoser.monitoring.services.alert_delivery import alert_delivery_send
from diagnoser.monitoring.services.alerts import drift_check_test_alert, webhook_send
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.probing import transport
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ErrorKind, ProbePolicy, Target
from diagnoser.probing.notify import apprise_bound
from tests.probing.servers import EchoServer, echo_serving, echo_url

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"
NAMES = {
    "public.example.net": [PUBLIC],
    # One public and one private answer: the private one must not be reachable by order.
    "mixed.example.net": [PUBLIC, "10.0.0.1"],
    "mixed6.example.net": ["2606:2800:220:1::1", "fd00::1"],
    "metadata.example.net": ["169.254.169.254"],
}
EVERYTHING = [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
BLOCKED_PORT = 25
LOOPBACK_V4 = "127.0.0.1 is in a loopback network (127.0.0.0/8)"

# (test id, URL, what the refusal says), refused with the default (empty) allowlist.
REFUSED = [
    ("loopback", "http://127.0.0.1/", LOOPBACK_V4),
    ("loopback-v6", "http://[::1]/", "::1 is in a loopback address (::1/128)"),
    ("v4-mapped-loopback", "http://[::ffff:127.0.0.1]/", "(it reaches 127.0.0.1)"),
    ("this-host", "http://0.0.0.0:8080/", "0.0.0.0 is in a 'this host' network (0.0.0.0/8)"),
    ("10/8", "http://10.1.2.3/", "10.1.2.3 is in a private network (10.0.0.0/8)"),
    ("172.16/12", "http://172.31.255.254/", "in a private network (172.16.0.0/12)"),
    ("192.168/16", "https://192.168.0.1/", "in a private network (192.168.0.0/16)"),
    ("100.64/10", "http://100.64.0.1/", "shared address space (carrier-grade NAT) (100.64.0.0/10)"),
    ("169.254/16", "http://169.254.1.1/", "link-local network (169.254.0.0/16)"),
    ("metadata", "http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
    ("fc00::/7", "http://[fc00::1]/", "fc00::1 is in a unique local network (fc00::/7)"),
    ("fd00::/8", "http://[fd12:3456::1]/", "unique local network (fc00::/7)"),
    ("fe80::/10", "http://[fe80::1]/", "fe80::1 is in a link-local network (fe80::/10)"),
    ("nat64-metadata", "http://[64:ff9b::a9fe:a9fe]/", "cloud metadata address (169.254.169.254)"),
    ("nat64-loopback", "http://[64:ff9b::7f00:1]/", "(it reaches 127.0.0.1)"),
    ("decimal", "http://2130706433/", LOOPBACK_V4),
    ("octal", "http://0177.0.0.1/", LOOPBACK_V4),
    ("hex-short", "http://0x7f.1/", LOOPBACK_V4),
    (
        "dns-public-and-private",
        "http://mixed.example.net/",
        "resolves to an address that is in a private network",
    ),
    (
        "dns-v6-public-and-private",
        "http://mixed6.example.net/",
        "resolves to an address that is in a unique local",
    ),
    ("dns-metadata", "http://metadata.example.net/", "cloud metadata address"),
    (
        "blocked-port",
        f"http://public.example.net:{BLOCKED_PORT}/",
        f"port {BLOCKED_PORT} is on the blocked port list",
    ),
]
# Refused before any address is looked at: what is typed is not an http(s) URL to probe.
NOT_HTTP = [
    ("file", "file:///etc/passwd", "the scheme 'file' is not probed"),
    ("gopher", "gopher://127.0.0.1:6379/_INFO", "the scheme 'gopher' is not probed"),
    ("ftp", "ftp://public.example.net/", "the scheme 'ftp' is not probed"),
    ("javascript", "javascript:alert(1)", "has no scheme; write it with http://"),
    ("userinfo", "http://user:secret@public.example.net/", "carries credentials"),
    ("userinfo-hiding-the-host", "http://public.example.net@127.0.0.1/", "carries credentials"),
]
# Refused even with DIAGNOSER_ALLOW_NETWORKS=0.0.0.0/0,::/0.
METADATA = [
    ("aws-gcp-azure", "http://169.254.169.254/latest/meta-data/"),
    ("aws-ecs", "http://169.254.170.2/v2/credentials"),
    ("aws-v6", "http://[fd00:ec2::254]/latest/meta-data/"),
    ("alibaba", "http://100.100.100.200/latest/meta-data/"),
    ("v4-mapped", "http://[::ffff:169.254.169.254]/"),
    ("nat64", "http://[64:ff9b::a9fe:a9fe]/"),
    ("by-name", "http://metadata.example.net/"),
]


def _ids(cases: list[tuple[Any, ...]]) -> list[str]:
    return [case[0] for case in cases]


@pytest.fixture(autouse=True)
def outside_connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Connections to anything but loopback fail and fail the test (the engine turns an
    exception into a recorded error, so the check is here, at teardown)."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback(str(address[0])):
            attempts.append(address)
            raise AssertionError(f"a connection to {address} was attempted")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts
    assert attempts == [], f"connections left loopback: {attempts}"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(host: str, port: int) -> list[str]:
        if host in NAMES:
            return NAMES[host]
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    monkeypatch.setattr(transport, "resolve", resolve)


@pytest.fixture(autouse=True)
def admin_settings(settings: Any) -> Any:
    settings.DIAGNOSER_ALLOW_NETWORKS = []
    settings.DIAGNOSER_BLOCKED_PORTS = [BLOCKED_PORT]
    return settings


@pytest.fixture
def user(db: None) -> User:
    owner = User.objects.create_user("alice")
    workspace = workspace_create(name="acme", owner=owner)
    service_create(workspace=workspace, name="shop")
    return owner


def _service(user: User) -> Service:
    return Service.objects.get(workspace__memberships__user=user)


def _check(user: User, webhook_url: str) -> DriftCheck:
    service = _service(user)
    check = drift_check_create(service=service, name="hourly")
    # Stored as is, as a row written before validation existed (or by the admin) would be:
    # sending must refuse on its own.
    DriftCheck.objects.filter(id=check.id).update(webhook_url=webhook_url)
    check.refresh_from_db()
    return check


def via_engine(user: User, url: str) -> str:
    with ProbeEngine(engine_config()) as engine:
        report = engine.probe(Target(url, policy=ProbePolicy.SAFE))
    assert {o.error_kind for o in report.observations} == {ErrorKind.BLOCKED}
    assert {o.status for o in report.observations} == {None}
    return str(report.observations[0].error)


def via_drift_alert(user: User, url: str) -> str:
    report = DriftReport.objects.create(
        drift_check=_check(user, url),
        trigger=Trigger.MANUAL,
        state=DriftReport.State.DONE,
        drift_present=True,
        finished_at=timezone.now(),
    )
    delivery = webhook_send(report_id=report.id, event="drift_appeared", attempt=1)
    assert not delivery.ok
    assert delivery.status_code is None
    return delivery.error


def via_test_alert(user: User, url: str) -> str:
    attempt = drift_check_test_alert(check=_check(user, url))
    assert not attempt.ok
    assert attempt.status_code is None
    return attempt.error


def via_diagnose_page(user: User, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.post(reverse("web:diagnose"), {"url": url, "policy": "safe"})
    assert response.status_code == 200
    assert 'role="alert"' in response.text or "errorlist" in response.text
    assert "Findings" not in response.text  # no result: nothing was probed
    return html.unescape(response.text)


def _post_drift_check(user: User, webhook_url: str) -> Any:
    """The drift-check editor's form, sent by the user for their service."""
    client = Client()
    client.force_login(user)
    return client.post(
        reverse("web:drift_check_new", args=[_service(user).id]),
        {"name": "nightly", "scope": "service", "schedule": "none", "webhook_url": webhook_url},
    )


def via_drift_check_form(user: User, url: str) -> str:
    response = _post_drift_check(user, url)
    assert response.status_code == 200  # the form again, with the error on the field
    assert not DriftCheck.objects.filter(name="nightly").exists()
    return html.unescape(response.text)


EntryPoint = Callable[[User, str], str]
ENTRY_POINTS = [via_engine, via_drift_alert, via_test_alert, via_diagnose_page]
WEBHOOK_FORM = [via_drift_check_form]


@pytest.mark.parametrize("send", [*ENTRY_POINTS, *WEBHOOK_FORM])
@pytest.mark.parametrize(
    ("case", "url", "reason"), [*REFUSED, *NOT_HTTP], ids=_ids([*REFUSED, *NOT_HTTP])
)
def test_an_address_inside_or_a_url_not_plain_http_is_refused_with_the_reason(
    user: User, send: EntryPoint, case: str, url: str, reason: str
) -> None:
    error = send(user, url)

    assert reason in error


@pytest.mark.parametrize("send", [*ENTRY_POINTS, *WEBHOOK_FORM])
@pytest.mark.parametrize(("case", "url"), METADATA, ids=_ids(METADATA))
def test_cloud_metadata_is_refused_even_when_every_network_is_allowlisted(
    admin_settings: Any, user: User, send: EntryPoint, case: str, url: str
) -> None:
    admin_settings.DIAGNOSER_ALLOW_NETWORKS = EVERYTHING

    error = send(user, url)

    assert "cloud metadata address" in error
    assert "it is never probed" in error


def test_the_refusal_tells_the_admin_which_setting_admits_a_network(user: User) -> None:
    page = via_diagnose_page(user, "http://10.1.2.3/")

    assert "DIAGNOSER_ALLOW_NETWORKS=10.0.0.0/8" in page


def test_the_drift_check_form_says_alerts_could_not_be_sent_there(user: User) -> None:
    page = via_drift_check_form(user, "http://10.1.2.3/hook")

    assert "alerts could not be sent there: 10.1.2.3 is in a private network" in page


def test_a_webhook_on_an_allowlisted_network_is_saved(admin_settings: Any, user: User) -> None:
    admin_settings.DIAGNOSER_ALLOW_NETWORKS = [LOOPBACK]

    _post_drift_check(user, "http://127.0.0.1:9/h")

    assert DriftCheck.objects.get(name="nightly").webhook_url == "http://127.0.0.1:9/h"


def test_a_webhook_whose_name_does_not_resolve_yet_is_saved_and_checked_when_sent(
    user: User,
) -> None:
    _post_drift_check(user, "https://hooks.not-yet.example/x")

    check = DriftCheck.objects.get(name="nightly")
    assert "does not resolve" in drift_check_test_alert(check=check).error


# A redirect is an answer to record: the next hop is never requested, wherever it points,
# even with every network allowlisted (metadata is refused anyway, but no lookup or
# connection is even attempted).
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


@pytest.fixture
def redirector(admin_settings: Any) -> Iterator[EchoServer]:
    admin_settings.DIAGNOSER_ALLOW_NETWORKS = EVERYTHING
    with echo_serving() as server:
        yield server


def _redirecting(server: EchoServer, status: int = 302) -> str:
    return echo_url(server, f"/go?status={status}&location={METADATA_URL}")


def _only_its_own_path_was_requested(server: EchoServer) -> None:
    assert server.stats.requests
    assert {r["path"] for r in server.stats.requests} == {f"/go?status=302&location={METADATA_URL}"}


def test_the_engine_records_a_redirect_inside_and_does_not_follow_it(
    redirector: EchoServer,
) -> None:
    with ProbeEngine(engine_config()) as engine:
        report = engine.probe(Target(_redirecting(redirector)))

    get = report.get("GET")
    assert get is not None
    assert get.status == 302
    assert get.header("location") == METADATA_URL
    _only_its_own_path_was_requested(redirector)


def test_the_diagnose_page_shows_a_redirect_inside_and_does_not_follow_it(
    user: User, redirector: EchoServer
) -> None:
    client = Client()
    client.force_login(user)

    response = client.post(
        reverse("web:diagnose"), {"url": _redirecting(redirector), "policy": "full"}
    )

    assert response.status_code == 200
    assert METADATA_URL in html.unescape(response.text)
    _only_its_own_path_was_requested(redirector)


def test_a_webhook_that_redirects_inside_is_logged_as_failed_not_followed(
    user: User, redirector: EchoServer
) -> None:
    report = DriftReport.objects.create(
        drift_check=_check(user, _redirecting(redirector)),
        trigger=Trigger.MANUAL,
        state=DriftReport.State.DONE,
        finished_at=timezone.now(),
    )

    delivery = webhook_send(report_id=report.id, event="drift_appeared", attempt=1)

    assert not delivery.ok
    assert delivery.status_code == 302
    assert delivery.error == "HTTP 302 from the webhook"
    assert [r["method"] for r in redirector.stats.requests] == ["POST"]
    _only_its_own_path_was_requested(redirector)


# Alert channels: Apprise builds the request, the outbound guard sends it. The cases whose
# host a json:// URL can spell; nothing connects (outside_connects) and the refusal is the
# guard's own sentence, on the delivery the channel's health shows.
CHANNEL_CASES = [
    case for case in REFUSED if case[0] in {"loopback", "10/8", "169.254/16", "metadata"}
] + [case for case in REFUSED if case[0].startswith("dns-") or case[0] == "blocked-port"]


def _channel(user: User, url: str) -> AlertChannel:
    channel = alert_channel_create(
        service=_service(user), name="chat", url="json://public.example.net/hook", events=[]
    )
    # Stored as is, as a row written by the admin would be: sending must refuse on its own.
    AlertChannel.objects.filter(id=channel.id).update(url=url)
    channel.refresh_from_db()
    return channel


def via_alert_channel(user: User, url: str) -> str:
    channel = _channel(user, url.replace("http://", "json://").replace("https://", "jsons://"))
    queued = AlertDelivery.objects.create(channel=channel, event_key="k", event="test", title="t")
    delivery = alert_delivery_send(delivery_id=queued.id, attempt=1)
    assert delivery is not None
    assert delivery.state == AlertDelivery.State.FAILED
    assert delivery.status_code is None
    return delivery.error


def via_alert_channel_form(user: User, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("web:alert_channel_new", args=[_service(user).id]),
        {"name": "chat", "url": url.replace("http://", "json://"), "events": ["drift"]},
    )
    assert response.status_code == 200  # the form again, with the error on the field
    assert not AlertChannel.objects.exists()
    return html.unescape(response.text)


@pytest.mark.parametrize("send", [via_alert_channel, via_alert_channel_form])
@pytest.mark.parametrize(("case", "url", "reason"), CHANNEL_CASES, ids=_ids(CHANNEL_CASES))
def test_an_alert_channel_pointing_inside_is_refused_with_the_reason(
    user: User, send: EntryPoint, case: str, url: str, reason: str
) -> None:
    error = send(user, url)

    assert reason in error


@pytest.mark.parametrize("send", [via_alert_channel, via_alert_channel_form])
def test_an_alert_channel_at_cloud_metadata_is_refused_even_when_everything_is_allowed(
    admin_settings: Any, user: User, send: EntryPoint
) -> None:
    admin_settings.DIAGNOSER_ALLOW_NETWORKS = EVERYTHING

    error = send(user, "http://metadata.example.net/hook")

    assert "cloud metadata address" in error


def test_an_email_channel_is_refused_unless_the_operator_lists_its_smtp_host(
    admin_settings: Any, user: User
) -> None:
    error = via_alert_channel_form(user, "mailto://alerts:pw@smtp.example.net?to=ops@example.net")

    assert "SMTP host smtp.example.net" in error
    assert "DIAGNOSER_ALERT_SMTP_HOSTS" in error


def test_an_email_channel_reaches_a_listed_smtp_host_on_its_mail_ports_only(
    admin_settings: Any, user: User
) -> None:
    admin_settings.DIAGNOSER_ALERT_SMTP_HOSTS = frozenset({"smtp.example.net"})

    error = via_alert_channel_form(
        user, "mailto://alerts:pw@smtp.example.net:6379?to=ops@example.net"
    )

    assert "port 6379 is not a mail port" in error


def test_an_apprise_plugin_called_outside_the_guard_sends_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="apprise")
    plugin = apprise_bound().Apprise.instantiate("json://public.example.net/hook")

    assert plugin is not None
    assert plugin.notify(body="b", title="t") is False
    assert "refused: an alert plugin sent outside notify_once" in caplog.text
