"""The specimen API: a plain WSGI app whose endpoints get HTTP methods wrong on purpose.

Each route shows one kind from DESIGN.md's rule catalog (and a few get everything right),
so the demo and the integration tests have something real to diagnose. The environment
("staging" or "prod") changes behaviour where environments of real APIs drift: prod lacks
PATCH on /items/{id} and answers DELETE on /admin/export from a WAF. Setting
`SpecimenApp.env` on a running server changes its behaviour at once (tests use that to
make drift appear and resolve).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
Headers = list[tuple[str, str]]

ENVIRONMENTS = ("staging", "prod")
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    301: "Moved Permanently",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    412: "Precondition Failed",
    500: "Internal Server Error",
    501: "Not Implemented",
}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Headers = field(default_factory=list)
    body: bytes = b""


def _json(status: int, payload: object, headers: Headers | None = None) -> Reply:
    body = json.dumps(payload).encode()
    return Reply(status, [("Content-Type", "application/json"), *(headers or [])], body)


def _allow(methods: Iterable[str]) -> tuple[str, str]:
    return ("Allow", ", ".join(methods))


class SpecimenApp:
    """WSGI callable. Routes are matched on the path, then the method is dispatched."""

    def __init__(self, env: str = "staging", *, latency: float = 0.0) -> None:
        if env not in ENVIRONMENTS:
            raise ValueError(f"env must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
        self.env = env
        self.latency = latency  # seconds added to every request (the sweep benchmark)
        self.routes: list[tuple[re.Pattern[str], Callable[[str, Environ], Reply]]] = [
            (re.compile(r"/health"), self.health),
            (re.compile(r"/items"), self.items),
            (re.compile(r"/items/[^/]+"), self.item),
            (re.compile(r"/legacy/orders"), self.legacy_orders),
            (re.compile(r"/users/[^/]+"), self.user),
            (re.compile(r"/reports"), self.reports),
            (re.compile(r"/debug"), self.debug),
            (re.compile(r"/login"), self.login),
            (re.compile(r"/login/"), self.login_slash),
            (re.compile(r"/admin/export"), self.admin_export),
            (re.compile(r"/search"), self.search),
            (re.compile(r"/webhooks"), self.webhooks),
            (re.compile(r"/bench/[^/]+"), self.bench),
        ]

    def __call__(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        if self.latency:
            time.sleep(self.latency)
        method = environ["REQUEST_METHOD"].upper()
        path = environ.get("PATH_INFO") or "/"
        reply = self.dispatch(method, path, environ)
        headers = list(reply.headers)
        # A layer that answered instead of the app names itself, as real gateways do.
        if not any(name == "Server" for name, _ in headers):
            headers.insert(0, ("Server", "specimen/1.0"))
        body = b"" if method == "HEAD" else reply.body
        headers.append(("Content-Length", str(len(reply.body))))
        start_response(f"{reply.status} {_REASONS.get(reply.status, 'Unknown')}", headers)
        return [body]

    def dispatch(self, method: str, path: str, environ: Environ) -> Reply:
        for pattern, handler in self.routes:
            if pattern.fullmatch(path):
                return handler(method, environ)
        return _json(404, {"error": "no route"})

    # Well-behaved resources -------------------------------------------------------------

    def _resource(
        self, method: str, environ: Environ, allowed: tuple[str, ...], ok: Reply
    ) -> Reply:
        """A resource done right: Allow on 405 and OPTIONS, 501 for unknown verbs, CORS."""
        if method not in KNOWN_METHODS:
            return _json(501, {"error": f"{method} not implemented"})
        if method == "OPTIONS":
            headers = [_allow(allowed)]
            if environ.get("HTTP_ORIGIN") and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
                headers += [
                    ("Access-Control-Allow-Origin", environ["HTTP_ORIGIN"]),
                    ("Access-Control-Allow-Methods", ", ".join(allowed)),
                    ("Access-Control-Allow-Headers", "Content-Type, Authorization"),
                    ("Vary", "Origin"),
                ]
            return Reply(204, headers)
        if method not in allowed:
            return _json(405, {"error": "method not allowed"}, [_allow(allowed)])
        if method in ("GET", "HEAD"):
            return ok
        if environ.get("HTTP_IF_MATCH"):
            return _json(412, {"error": "precondition failed"})
        return _json(201 if method == "POST" else 200, {"ok": True})

    def health(self, method: str, environ: Environ) -> Reply:
        return self._resource(method, environ, ("GET", "HEAD", "OPTIONS"), _json(200, {"ok": 1}))

    def items(self, method: str, environ: Environ) -> Reply:
        allowed = ("GET", "HEAD", "POST", "OPTIONS")
        return self._resource(method, environ, allowed, _json(200, [{"id": 1}]))

    def item(self, method: str, environ: Environ) -> Reply:
        # env_allow_drift: PATCH was never deployed to prod.
        allowed: tuple[str, ...] = ("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS")
        if self.env == "prod":
            allowed = tuple(m for m in allowed if m != "PATCH")
        return self._resource(method, environ, allowed, _json(200, {"id": 0}))

    def bench(self, method: str, environ: Environ) -> Reply:
        allowed = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
        return self._resource(method, environ, allowed, _json(200, {"id": 0}))

    # Deliberately wrong resources -------------------------------------------------------

    def legacy_orders(self, method: str, environ: Environ) -> Reply:
        """405 without Allow (missing_allow_on_405) and a 405 to OPTIONS
        (options_not_supported): the preflight fails."""
        if method in ("GET", "HEAD"):
            return _json(200, [])
        return Reply(405, [("Content-Type", "text/plain")], b"Method Not Allowed")

    def user(self, method: str, environ: Environ) -> Reply:
        """A lying Allow: it names DELETE, which is rejected (allow_lists_rejected_method)."""
        advertised = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
        really = ("GET", "HEAD", "PUT", "OPTIONS")
        if method == "OPTIONS":
            return Reply(204, [_allow(advertised)])
        if method not in KNOWN_METHODS:
            return _json(501, {"error": "not implemented"})
        if method not in really:
            return _json(405, {"error": "method not allowed"}, [_allow(advertised)])
        return self._resource(method, environ, really, _json(200, {"id": 0}))

    def reports(self, method: str, environ: Environ) -> Reply:
        """HEAD unlike GET: GET is JSON, HEAD is answered 404 (head_get_mismatch)."""
        if method == "HEAD":
            return Reply(404, [("Content-Type", "text/html")], b"")
        return self._resource(method, environ, ("GET", "OPTIONS"), _json(200, {"rows": []}))

    def debug(self, method: str, environ: Environ) -> Reply:
        """TRACE left enabled: it echoes the request (trace_enabled)."""
        if method == "TRACE":
            echo = f"TRACE {environ.get('PATH_INFO')} HTTP/1.1\r\n".encode()
            return Reply(200, [("Content-Type", "message/http")], echo)
        allowed = ("GET", "HEAD", "OPTIONS", "TRACE")
        return self._resource(method, environ, allowed, _json(200, {"debug": True}))

    def login(self, method: str, environ: Environ) -> Reply:
        """Every verb gets 301 to the trailing slash: POST turns into GET
        (redirect_changes_method)."""
        return Reply(301, [("Location", "/login/"), ("Content-Type", "text/html")], b"")

    def login_slash(self, method: str, environ: Environ) -> Reply:
        return self._resource(method, environ, ("GET", "HEAD", "POST", "OPTIONS"), _json(200, {}))

    def admin_export(self, method: str, environ: Environ) -> Reply:
        """A WAF forbids DELETE in prod and says so in its own Server header
        (gateway_forbids_method); staging lets it through."""
        allowed = ("GET", "HEAD", "DELETE", "OPTIONS")
        if method == "DELETE" and self.env == "prod":
            return Reply(
                403,
                [("Server", "awselb/2.0"), ("Content-Type", "text/html")],
                b"<html><body><h1>403 Forbidden</h1></body></html>",
            )
        return self._resource(method, environ, allowed, _json(200, {"export": []}))

    def search(self, method: str, environ: Environ) -> Reply:
        """A catch-all handler: any verb, known or not, is served as GET
        (unknown_method_not_501); the verbs it has no branch for fall to 404
        (method_falls_to_404)."""
        if method in ("PUT", "PATCH", "DELETE"):
            return _json(404, {"error": "no route"})
        return _json(200, {"results": []})

    def webhooks(self, method: str, environ: Environ) -> Reply:
        """An unhandled branch crashes: PUT gets 500 (server_error_on_method)."""
        if method == "PUT":
            return Reply(500, [("Content-Type", "text/plain")], b"Traceback: KeyError 'id'")
        return self._resource(method, environ, ("GET", "HEAD", "POST", "OPTIONS"), _json(200, []))


SPECIMEN_ENDPOINTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("/health", {}),
    ("/items", {}),
    ("/items/{id}", {"id": "0"}),
    ("/legacy/orders", {}),
    ("/users/{id}", {"id": "0"}),
    ("/reports", {}),
    ("/debug", {}),
    ("/login", {}),
    ("/admin/export", {}),
    ("/search", {}),
    ("/webhooks", {}),
)
