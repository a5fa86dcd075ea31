"""Kept response headers stay within caps whatever a server sends, and say they were cut:
95 Access-Control-X-n headers of 60 KB stored 45.6 MB per probe before, and their random
tag made every answer look new."""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Callable

from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbePolicy, Target
from diagnoser.probing.reading import CUT_MARK, MAX_KEPT_HEADER_CHARS, MAX_KEPT_VALUE_CHARS

from .servers import EchoServer, RawBehaviour, RawServer, echo_url, read_request


def _huge_cors_headers(conn: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set() and read_request(conn):
        tag = secrets.token_hex(4)  # a new value every time defeats de-duplication
        lines = b"".join(
            f"Access-Control-X-{n}: {tag}{'v' * 60_000}\r\n".encode() for n in range(95)
        )
        long_cors = f"Access-Control-Allow-Headers: {tag}{'h' * 60_000}\r\n".encode()
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nAllow: GET, HEAD\r\n"
            + lines
            + long_cors
            + b"Content-Length: 0\r\n\r\n"
        )


def test_hostile_header_sizes_are_cut_to_the_caps_and_marked(
    engine: ProbeEngine, raw_server: Callable[[RawBehaviour], RawServer]
) -> None:
    server = raw_server(_huge_cors_headers)

    report = engine.probe(Target(server.url, policy=ProbePolicy.SAFE))

    get = report.get("GET")
    assert get is not None
    assert get.status == 200
    assert get.headers_cut
    assert sum(len(n) + len(v) for n, v in get.headers) <= MAX_KEPT_HEADER_CHARS
    assert all(len(v) <= MAX_KEPT_VALUE_CHARS + len(CUT_MARK) for _, v in get.headers)
    # What diagnosis reads is kept; headers CORS does not define are not.
    assert ("allow", "GET, HEAD") in get.headers
    assert not any(name.startswith("access-control-x-") for name, _ in get.headers)
    allow_headers = get.header("access-control-allow-headers")
    assert allow_headers is not None
    assert allow_headers.endswith(CUT_MARK)


def test_ordinary_headers_are_kept_whole(engine: ProbeEngine, echo_server: EchoServer) -> None:
    report = engine.probe(Target(echo_url(echo_server), policy=ProbePolicy.SAFE))

    assert not any(o.headers_cut for o in report.observations)
