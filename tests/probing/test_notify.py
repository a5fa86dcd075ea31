"""Alerts through Apprise keep the outbound guarantees: the plugin builds the request, the
choke point sends it (deadline, capped read, no redirects, the address guard)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest

from diagnoser.probing.config import EngineConfig
from diagnoser.probing.notify import channel_kind, notify_once
from tests.probing.servers import (
    EchoServer,
    RawBehaviour,
    RawServer,
    echo_url,
    endless_body,
    local_config,
    read_request,
    slow_body,
)

StartRaw = Callable[[RawBehaviour], RawServer]
NO_SMTP: frozenset[str] = frozenset()


def _json(url: str) -> str:
    return url.replace("http://", "json://", 1)


def _notify(url: str, config: EngineConfig | None = None) -> Any:
    return notify_once(
        url=url,
        title="Drift appeared",
        body="• /items",
        config=config or local_config(),
        smtp_hosts=NO_SMTP,
    )


def test_a_json_channel_posts_apprises_payload_through_the_choke_point(echo: EchoServer) -> None:
    result = _notify(_json(echo_url(echo, "/hook")) + "?+X-Team=api")

    assert result.ok
    assert result.status == 200
    [seen] = echo.stats.by_method("POST")
    assert ("X-Team", "api") in seen["headers"]
    assert json.loads(seen["body"])["title"] == "Drift appeared"


def test_an_endless_reply_is_cut_at_the_cap_and_still_delivered(raw_server: StartRaw) -> None:
    server = raw_server(endless_body)

    result = _notify(_json(server.url))

    assert result.ok


def test_a_trickling_reply_ends_at_the_deadline(raw_server: StartRaw) -> None:
    server = raw_server(slow_body)

    result = _notify(_json(server.url), local_config(deadline=0.8))

    assert not result.ok
    assert "deadline" in result.error


def test_a_redirect_is_not_followed(raw_server: StartRaw) -> None:
    def redirect(conn: socket.socket, stop: Any) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://10.0.0.1/\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )

    result = _notify(_json(raw_server(redirect).url))

    assert not result.ok
    assert result.status == 307
    assert "HTTP 307" in result.error


def test_an_address_inside_is_refused_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_connect(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", no_connect)

    result = _notify("json://10.0.0.1/hook", EngineConfig())

    assert not result.ok
    assert "private network" in result.error


def test_a_scheme_not_admitted_never_reaches_apprise() -> None:
    result = _notify("syslog://127.0.0.1")

    assert not result.ok
    assert "syslog:// is not a channel this server sends" in result.error


def test_the_kind_is_said_in_words() -> None:
    assert channel_kind("workflows://host/path") == "Microsoft Teams"
    assert channel_kind("syslog://x") == ""
