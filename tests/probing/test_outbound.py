"""Requests that are not probes (webhooks, test alerts) keep the engine's guarantees: a
total deadline, a capped raw read, no decompression, no redirects, the address guard."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from diagnoser.probing.config import EngineConfig
from diagnoser.probing.outbound import send_once
from tests.probing.servers import (
    EchoServer,
    RawBehaviour,
    RawServer,
    echo_url,
    endless_body,
    gzip_bomb,
    gzip_bomb_bytes,
    local_config,
    read_request,
    slow_body,
)

StartRaw = Callable[[RawBehaviour], RawServer]


def test_a_json_post_reaches_the_server_and_its_answer_comes_back(echo: EchoServer) -> None:
    result = send_once(
        method="POST", url=echo_url(echo, "/hook"), config=local_config(), json_body={"a": 1}
    )

    assert result.ok
    assert result.error == ""
    [seen] = echo.stats.by_method("POST")
    assert ("Content-Type", "application/json") in seen["headers"]
    assert seen["body"] == '{"a": 1}'


def test_an_endless_answer_is_read_only_up_to_the_cap(raw_server: StartRaw) -> None:
    server = raw_server(endless_body)

    result = send_once(method="POST", url=server.url, config=local_config(), max_bytes=1000)

    assert result.status == 200
    assert len(result.body) == 1000
    assert result.truncated


def test_a_gzip_answer_is_never_inflated(raw_server: StartRaw) -> None:
    server = raw_server(gzip_bomb)

    result = send_once(
        method="POST", url=server.url, config=local_config(), max_bytes=len(gzip_bomb_bytes())
    )

    assert result.status == 200
    assert result.body == gzip_bomb_bytes()


def test_a_trickling_answer_ends_at_the_deadline(raw_server: StartRaw) -> None:
    server = raw_server(slow_body)  # one byte every 0.2 s, for ever

    result = send_once(method="POST", url=server.url, config=local_config(deadline=0.8))

    assert result.status is None
    assert "deadline" in result.error


def test_a_redirect_is_an_answer_not_a_hop(raw_server: StartRaw) -> None:
    def redirect(conn: socket.socket, stop: Any) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://10.0.0.1/\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )

    server = raw_server(redirect)

    result = send_once(method="POST", url=server.url, config=local_config())

    assert result.status == 307
    assert not result.ok


def test_an_address_inside_is_refused_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_connect(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", no_connect)

    result = send_once(method="POST", url="http://10.0.0.1/hook", config=EngineConfig())

    assert result.status is None
    assert "private network" in result.error


def test_an_unreachable_host_is_a_one_line_error() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()

    result = send_once(method="POST", url=f"http://127.0.0.1:{port}/", config=local_config())

    assert result.status is None
    assert "\n" not in result.error
    assert "refused" in result.error
