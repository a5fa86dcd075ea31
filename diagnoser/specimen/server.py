"""Serving the specimen API with the standard library (threaded wsgiref)."""

from __future__ import annotations

import logging
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from diagnoser.specimen.app import SpecimenApp

log = logging.getLogger(__name__)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("specimen: " + format, *args)


def make_specimen_server(
    app: SpecimenApp, *, host: str = "127.0.0.1", port: int = 0
) -> _ThreadingWSGIServer:
    """Bound and ready to serve (port 0 picks a free one: read server.server_port)."""
    server = make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    assert isinstance(server, _ThreadingWSGIServer)
    return server


def serve_in_thread(server: WSGIServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="specimen", daemon=True)
    thread.start()
    return thread
