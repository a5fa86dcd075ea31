"""The one stub HTTP server of the test suite: answers every verb, served from a thread on
127.0.0.1.

A stub is configured with a responder: a function from the `Request` it got to the `Reply`
it sends (`per_method` and `always` build the common ones). Servers with more state
subclass `StubHandler` or `StubServer` instead of writing their own http.server plumbing.
bench/latency_server.py serves the same stub from a process of its own.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query string, as sent
    headers: Message
    body: bytes

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}


Headers = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Headers = field(default_factory=dict)
    reason: str | None = None  # None: the standard phrase
    server: str | None = None  # the Server header; None: http.server's own


Responder = Callable[[Request], Reply]


def always(reply: Reply) -> Responder:
    return lambda request: reply


def per_method(replies: Mapping[str, Reply], *, otherwise: Reply) -> Responder:
    return lambda request: replies.get(request.method, otherwise)


# For handlers that answer on their own (overriding `answer`) and need no responder.
_NOT_IMPLEMENTED = always(Reply(501))


class StubHandler(BaseHTTPRequestHandler):
    """Hands every verb, known or made up, to the server's responder."""

    protocol_version = "HTTP/1.1"
    # Buffered: status line, headers and body leave in one segment (http.server flushes
    # after each request). Unbuffered, Nagle and the client's delayed ACK add 40 ms to
    # some answers, which would distort timings.
    wbufsize = 1 << 16
    server: StubServer
    _server_header: str | None = None

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.protocol_version = self.server.protocol
        self.server.on_connection()

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server looks up do_<METHOD>; answering every name makes every verb reach
        # the responder, as a catch-all route would.
        if name.startswith("do_"):
            return self.answer
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet: the library logs every request to stderr."""

    def version_string(self) -> str:
        return self._server_header or super().version_string()

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        # Read even when unused: an unread body would be parsed as the next request.
        body = self.rfile.read(length) if length else b""
        if self.server.latency:
            time.sleep(self.server.latency)
        self.send_reply(self.server.respond(Request(self.command, self.path, self.headers, body)))

    def send_reply(self, reply: Reply) -> None:
        self._server_header = reply.server
        self.send_response(reply.status, reply.reason)
        headers = reply.headers.items() if isinstance(reply.headers, Mapping) else reply.headers
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)


class StubServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many probes connect at once

    def __init__(
        self,
        respond: Responder = _NOT_IMPLEMENTED,
        *,
        latency: float = 0.0,
        protocol: str = "HTTP/1.1",
        port: int = 0,
        handler: type[StubHandler] = StubHandler,
    ) -> None:
        self.respond = respond
        self.latency = latency
        self.protocol = protocol
        super().__init__((HOST, port), handler)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.server_port}"

    def url(self, path: str = "") -> str:
        return self.base_url + path

    def on_connection(self) -> None:
        """Called once per accepted connection; a hook for servers that count them."""

    def start(self) -> Self:
        # A short poll interval makes shutdown() return in milliseconds, not half a second.
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        return self

    def close(self) -> None:
        self.shutdown()
        self.server_close()


@contextmanager
def serving(respond: Responder, **options: Any) -> Iterator[StubServer]:
    """A stub answering with `respond` until the block ends (options: see StubServer)."""
    server = StubServer(respond, **options).start()
    try:
        yield server
    finally:
        server.close()
