"""A local HTTP/1.1 server that answers every method after a fixed delay.

Run in its own process (`python -m bench.latency_server PORT DELAY_MS`) so its threads do
not share the benchmark's interpreter lock.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class DelayedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.05
    # Buffered: the status line, headers and body leave in one segment (http.server
    # flushes after each request). Unbuffered, Nagle and the client's delayed ACK add
    # 40 ms to some answers, which would flatter the concurrent figures.
    wbufsize = 1 << 16

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def _answer(self) -> None:
        time.sleep(self.delay)
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Allow", "GET, HEAD, OPTIONS")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class DelayedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main() -> None:
    port, delay_ms = int(sys.argv[1]), float(sys.argv[2])
    DelayedHandler.delay = delay_ms / 1000
    DelayedServer(("127.0.0.1", port), DelayedHandler).serve_forever()


if __name__ == "__main__":
    main()
