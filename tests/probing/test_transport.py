"""The guarded transport: the SSRF guard sees every address a probe would connect to, and
refuses before any connection is attempted.

`resolve` is patched to play the DNS; `socket.socket.connect` and
`socket.create_connection` are patched to record any attempt, so a refused address is
shown to be refused before the network, not after.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from diagnoser.probing import transport
from diagnoser.probing.engine import EngineConfig, ProbeEngine
from diagnoser.probing.guard import BlockedAddress
from diagnoser.probing.model import ErrorKind, ProbePolicy, Target
from diagnoser.probing.transport import guarded_session

from .servers import (
    EchoServer,
    RawBehaviour,
    RawServer,
    echo_url,
    local_config,
    read_request,
    tls_answering,
)

EVERYTHING = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every connect the code under test attempts (each one also fails)."""
    attempts: list[object] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append(args[-1])  # the address (socket.connect also gets the socket)
        raise AssertionError("a refused address must not be connected to")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[tuple[str, int]]]:
    """Make every host name resolve to the given addresses; returns the lookups made."""
    lookups: list[tuple[str, int]] = []

    def answer(*addresses: str) -> list[tuple[str, int]]:
        def resolve(host: str, port: int) -> list[str]:
            lookups.append((host, port))
            return list(addresses)

        monkeypatch.setattr(transport, "resolve", resolve)
        return lookups

    return answer


def _probe_get(config: EngineConfig, url: str = "http://api.example.com/") -> Any:
    with ProbeEngine(config) as engine:
        report = engine.probe(Target(url, policy=ProbePolicy.SAFE))
    return report.get("GET")


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        (["10.0.0.1"], "private network (10.0.0.0/8)"),
        (["172.16.5.4"], "private network (172.16.0.0/12)"),
        (["192.168.1.1"], "private network (192.168.0.0/16)"),
        (["127.0.0.1"], "loopback network (127.0.0.0/8)"),
        (["0.0.0.0"], "(0.0.0.0/8)"),
        (["100.64.0.1"], "shared address space"),
        (["169.254.1.1"], "link-local network (169.254.0.0/16)"),
        (["224.0.0.1"], "multicast"),
        (["::1"], "loopback address (::1/128)"),
        (["::"], "unspecified address"),
        (["fd12::1"], "unique local network"),
        (["fe80::1"], "link-local network (fe80::/10)"),
        (["::ffff:127.0.0.1"], "loopback network (127.0.0.0/8)"),
        (["::ffff:10.1.2.3"], "private network (10.0.0.0/8)"),
        (["64:ff9b::a00:1"], "private network (10.0.0.0/8)"),
        (["2002:c0a8:101::1"], "private network (192.168.0.0/16)"),
        (["2001:0:4136:e378:8000:63bf:3fff:fdd2"], "Teredo"),
        (["93.184.216.34", "10.0.0.1"], "resolves to an address that is in a private network"),
        (["2606:2800:220:1::1", "::1"], "resolves to an address that is in a loopback address"),
    ],
)
def test_it_refuses_non_public_addresses_before_connecting(
    dns: Callable[..., Any], connects: list[object], addresses: list[str], reason: str
) -> None:
    dns(*addresses)

    get = _probe_get(EngineConfig())

    assert get.error_kind is ErrorKind.BLOCKED
    assert reason in (get.error or "")
    # The name was the user's; the address it resolves to is ours to keep (item 7).
    echoed = (rf"(?<![\w:.]){re.escape(a)}(?![\w:./])" for a in addresses)
    assert not any(re.search(pattern, get.error or "") for pattern in echoed)
    assert connects == []


def test_an_allowlisted_private_address_is_connected_to(
    dns: Callable[..., Any], connects: list[object]
) -> None:
    dns("10.0.0.1")

    _probe_get(EngineConfig(allow_networks=(ipaddress.ip_network("10.0.0.0/8"),)))

    # The patched connect stands in for the network: the guard let the address through.
    assert ("10.0.0.1", 80) in connects


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "169.254.170.2",
        "169.254.169.253",
        "100.100.100.200",
        "fd00:ec2::254",
        "fd00:ec2::23",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "2002:a9fe:a9fe::1",
    ],
)
def test_it_refuses_metadata_addresses_even_when_allowlisted(
    dns: Callable[..., Any], connects: list[object], address: str
) -> None:
    dns(address)
    allow = (*EVERYTHING, ipaddress.ip_network("169.254.0.0/16"))

    get = _probe_get(EngineConfig(allow_networks=allow))

    assert get.error_kind is ErrorKind.BLOCKED
    assert "metadata" in (get.error or "")
    assert connects == []


def test_it_refuses_blocked_ports(dns: Callable[..., Any], connects: list[object]) -> None:
    dns("93.184.216.34")

    get = _probe_get(EngineConfig(blocked_ports=frozenset({25})), "http://mail.example.com:25/")

    assert get.error_kind is ErrorKind.BLOCKED
    assert "port 25" in (get.error or "")
    assert connects == []


def test_a_dns_failure_ends_as_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(transport, "resolve", fail)

    get = _probe_get(EngineConfig(), "http://no-such-host.example/")

    assert get.error_kind is ErrorKind.DNS
    assert "no-such-host.example" in (get.error or "")


def test_it_connects_to_the_vetted_address_without_resolving_again(
    dns: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, echo: EchoServer
) -> None:
    lookups = dns("127.0.0.1")
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        assert host != "api.test", "the connection looked the name up a second time"
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    port = echo.server_address[1]

    get = _probe_get(local_config(), f"http://api.test:{port}/")

    assert get.status == 200
    assert get.peer_address == "127.0.0.1"
    assert ("api.test", port) in lookups
    assert "api.test" in get.body_excerpt  # the Host header names the host, not the IP


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "0x7f.0.0.1"])
def test_numeric_spellings_of_loopback_are_refused_without_the_allowlist(
    connects: list[object], host: str
) -> None:
    get = _probe_get(EngineConfig(), f"http://{host}:8080/")

    assert get.error_kind is ErrorKind.BLOCKED
    assert "127.0.0.1 is in a loopback network" in (get.error or "")
    assert connects == []


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1"])
def test_numeric_spellings_of_loopback_reach_it_with_the_allowlist(
    echo: EchoServer, host: str
) -> None:
    get = _probe_get(local_config(), f"http://{host}:{echo.server_address[1]}/")

    assert get.status == 200
    assert get.peer_address == "127.0.0.1"


def test_loopback_is_refused_without_the_allowlist(echo: EchoServer) -> None:
    get = _probe_get(EngineConfig(), echo_url(echo))

    assert get.error_kind is ErrorKind.BLOCKED
    assert "DIAGNOSER_ALLOW_NETWORKS" in (get.error or "")
    assert echo.stats.requests == []


def test_a_redirect_to_the_metadata_service_is_recorded_not_followed(
    echo: EchoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    real_resolve = transport.resolve

    def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return real_resolve(host, port)

    monkeypatch.setattr(transport, "resolve", resolve)
    location = "http://169.254.169.254/latest/meta-data/"

    get = _probe_get(local_config(), echo_url(echo, f"/?status=302&location={location}"))

    assert get.status == 302
    assert get.header("location") == location
    assert set(looked_up) == {"127.0.0.1"}
    assert len(echo.stats.by_method("GET")) == 1


def test_the_session_never_follows_redirects(echo: EchoServer) -> None:
    with transport.guarded_session(local_config()) as session:
        response = session.get(echo_url(echo, "/?status=307&location=/elsewhere"))

    assert response.status_code == 307
    assert [r["path"] for r in echo.stats.requests] == ["/?status=307&location=/elsewhere"]


def test_the_session_refuses_loopback_by_default(echo: EchoServer) -> None:
    with (
        transport.guarded_session(EngineConfig()) as session,
        pytest.raises(BlockedAddress, match="loopback"),
    ):
        session.get(echo_url(echo))


def test_the_session_ignores_proxy_settings_from_the_environment(
    echo: EchoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")

    with transport.guarded_session(local_config()) as session:
        response = session.get(echo_url(echo))

    assert response.status_code == 200


def test_the_session_refuses_an_explicit_proxy(echo: EchoServer) -> None:
    with (
        transport.guarded_session(local_config()) as session,
        pytest.raises(BlockedAddress, match="proxy"),
    ):
        session.get(echo_url(echo), proxies={"http": "http://127.0.0.1:9"})


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[RawServer]:
    server = RawServer(tls_answering(*self_signed))
    yield server
    server.close()


def test_an_untrusted_certificate_ends_as_tls(tls_server: RawServer) -> None:
    get = _probe_get(local_config(), f"https://127.0.0.1:{tls_server.port}/")

    assert get.error_kind is ErrorKind.TLS
    assert "certificate" in (get.error or "")


def test_a_server_silent_during_the_tls_handshake_ends_at_the_deadline() -> None:
    def silent(conn: socket.socket, stop: threading.Event) -> None:
        stop.wait(10)

    server = RawServer(silent)
    try:
        get = _probe_get(local_config(connect_timeout=10.0), f"https://127.0.0.1:{server.port}/")
    finally:
        server.close()

    assert get.error_kind is ErrorKind.TIMEOUT
    assert "deadline" in (get.error or "")


def _answer_then_hang_up(conn: socket.socket, stop: threading.Event) -> None:
    """Answer one request as if the connection stayed open, then close it a moment later
    without reading the next one (Fastify after its 400 to an unknown verb)."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    stop.wait(0.05)


@pytest.mark.parametrize(("method", "answered"), [("GET", True), ("POST", False)])
def test_a_kept_alive_connection_the_server_closed_is_retried_once_for_idempotent_methods(
    raw_server: Callable[[RawBehaviour], RawServer], method: str, answered: bool
) -> None:
    server = raw_server(_answer_then_hang_up)
    session = guarded_session(local_config())
    first = session.get(server.url, timeout=3)
    assert first.status_code == 200

    try:
        second = session.request(method, server.url, timeout=3)
    except requests.ConnectionError:
        second = None

    # A POST may have been processed: never sent twice.
    assert (second is not None and second.status_code == 200) is answered
