"""Real servers on 127.0.0.1 for the engine tests: a well-behaved echo server that counts
connections, and raw-socket servers that misbehave the ways hostile or broken servers do."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gzip
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from diagnoser.probing.engine import EngineConfig
from tests.stubs import Reply, Request, StubServer

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def local_config(**overrides: Any) -> EngineConfig:
    """A config that admits loopback only, with a deadline short enough for slow servers."""
    return dataclasses.replace(
        EngineConfig(allow_networks=LOOPBACK, deadline=1.5, read_timeout=3.0), **overrides
    )


class EchoStats:
    """What the echo server saw, for assertions about what the engine sent."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.connections = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.connections = 0
            self.max_in_flight = 0

    def by_method(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["method"] == method]


class EchoServer(StubServer):
    """Answers every method with what it received, as JSON.

    Query parameters shape the answer: `sleep=S` waits S seconds first, `status=N` and
    `location=URL` make a redirect, `cookie=1` sets a cookie.
    """

    def __init__(self) -> None:
        self.stats = EchoStats()
        super().__init__(self._counted)

    def on_connection(self) -> None:
        with self.stats.lock:
            self.stats.connections += 1

    def _counted(self, request: Request) -> Reply:
        stats = self.stats
        with stats.lock:
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            return self._echo(request)
        finally:
            with stats.lock:
                stats.in_flight -= 1

    def _echo(self, request: Request) -> Reply:
        query = request.query
        received = {
            "method": request.method,
            "path": request.path,
            "headers": list(request.headers.items()),
            "body": request.body.decode("latin-1"),
        }
        with self.stats.lock:
            self.stats.requests.append(received)
        if "sleep" in query:
            time.sleep(float(query["sleep"]))
        headers = [
            ("Content-Type", "application/json"),
            ("Allow", "GET, HEAD, OPTIONS"),
            ("Vary", "Origin"),
            ("Vary", "Accept-Encoding"),
            ("X-Not-Kept", "noise"),
        ]
        if "location" in query:
            headers.append(("Location", query["location"]))
        if "cookie" in query:
            headers.append(("Set-Cookie", "session=secret; Path=/"))
        return Reply(int(query.get("status", "200")), json.dumps(received).encode(), headers)


@contextlib.contextmanager
def echo_serving() -> Iterator[EchoServer]:
    server = EchoServer().start()
    try:
        yield server
    finally:
        server.close()


def echo_url(server: EchoServer, path: str = "/") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


RawBehaviour = Callable[[socket.socket, threading.Event], None]
StartServer = Callable[[RawBehaviour], "RawServer"]


class RawServer:
    """Accepts connections and lets `behaviour` do whatever it likes with each socket."""

    def __init__(self, behaviour: RawBehaviour) -> None:
        self._behaviour = behaviour
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base_url}/"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        # OSError: the client gave up, which is what these servers are for.
        with conn, contextlib.suppress(OSError):
            self._behaviour(conn, self._stop)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join()


@contextlib.contextmanager
def raw_servers() -> Iterator[StartServer]:
    """Start raw-socket servers with a given behaviour; all stop when the block ends."""
    started: list[RawServer] = []

    def start(behaviour: RawBehaviour) -> RawServer:
        server = RawServer(behaviour)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def read_request(conn: socket.socket) -> bytes:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def trickle(conn: socket.socket, stop: threading.Event, interval: float) -> None:
    """One byte every `interval` seconds, until the client hangs up or the test ends."""
    while not stop.wait(interval):
        conn.sendall(b"x")


def slow_headers(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    trickle(conn, stop, 0.2)


def slow_status_line(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    for byte in b"HTTP/1.1 200 OK":
        if stop.wait(0.2):
            return
        conn.sendall(bytes([byte]))
    trickle(conn, stop, 0.2)


def slow_body(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    trickle(conn, stop, 0.2)


_MEGABYTE = b"x" * (1 << 20)


def endless_body(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
    while not stop.is_set():
        conn.sendall(_MEGABYTE)


def many_headers(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\n" + b"X-Header: value\r\n" * 10_000 + b"Content-Length: 0\r\n\r\n"
    )


def long_header_line(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 100_000 + b"\r\n\r\n")


def invalid_status_line(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HELLO THERE\r\nContent-Length: 0\r\n\r\n")


def bad_chunked(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\nabc\r\n")


@functools.cache
def gzip_bomb_bytes() -> bytes:
    """16 MiB of zeros, about 16 KiB compressed: small on the wire, huge if inflated."""
    return gzip.compress(bytes(16 << 20), compresslevel=9)


def send_gzipped(conn: socket.socket, gzipped: bytes, content_type: str) -> None:
    """Answer the request with a gzip-encoded body, then close."""
    read_request(conn)
    conn.sendall(
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(gzipped)}\r\nConnection: close\r\n\r\n".encode()
        + gzipped
    )


def gzip_bomb(conn: socket.socket, stop: threading.Event) -> None:
    send_gzipped(conn, gzip_bomb_bytes(), "text/plain")


def non_utf8_headers(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nServer: caf\xe9 \xff\xfe\r\nLocation: /caf\xc3\xa9\r\n"
        b"Content-Length: 2\r\nConnection: close\r\n\r\nok"
    )


def tls_answering(cert: Path, key: Path) -> RawBehaviour:
    """A TLS server with this certificate, answering 200 with no body."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def serve(conn: socket.socket, stop: threading.Event) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            read_request(tls)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    return serve


def close_at_once(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)


def refused_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port
