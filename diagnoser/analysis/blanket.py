"""Unsent verbs answered by a layer that treats every such method alike, before any route.

Some layers refuse methods by a rule that does not depend on the route: Django's CSRF
check, a web server's method restriction (nginx `limit_except`, Apache `<LimitExcept>`),
nginx's own static file handler. When the made-up verb and OPTIONS show that layer's
answer, an unsafe verb not sent gets it too, within what the layer is known to except
(which its source says). Where a configuration can except a verb we cannot see, the
verb stays unknown and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from diagnoser.analysis.layers import CSRF_FAILURE_CLUE, Layer, Stack, identify
from diagnoser.analysis.model import Verdict
from diagnoser.probing.model import UNSAFE_METHODS, Observation, ProbeReport

# Web servers whose own 403 page for OPTIONS and the made-up verb means a method rule of
# their configuration, not an application's authorisation or an API gateway's route table.
_METHOD_RULE_SERVERS: Mapping[Stack, str] = {
    Stack.NGINX: "nginx's limit_except",
    Stack.APACHE: "Apache's <Limit>/<LimitExcept> (or a Require on the method)",
    Stack.IIS: "IIS request filtering",
}


class Blanket(NamedTuple):
    """What an unsent method gets from such a layer: a verdict, or None and why not."""

    verdict: Verdict | None
    said: str


def blanket_answer(method: str, report: ProbeReport) -> Blanket | None:
    """The layer's answer for `method`, or None when no such layer answered here."""
    plain = {o.method: o for o in report.plain()}
    made_up = report.unknown_method
    unknown, options, get = plain.get(made_up), plain.get("OPTIONS"), plain.get("GET")
    if method not in UNSAFE_METHODS or unknown is None or unknown.status is None:
        return None
    if _csrf_refused(unknown):
        return Blanket(
            Verdict.FORBIDDEN,
            f"the made-up verb {made_up} got Django's CSRF failure page (403): "
            "CsrfViewMiddleware refuses every method but GET, HEAD, OPTIONS and TRACE on "
            f"this view before the view runs, so {method} without a CSRF token gets it too",
        )
    if options is None or options.status is None or get is None or get.status is None:
        return None
    layer = identify(unknown)
    if not (layer.certain and _same(unknown, options)) or not 200 <= get.status < 400:
        return None
    if unknown.status == 403 and layer.stack is Stack.AWS_API_GATEWAY:
        return Blanket(
            None,
            f"OPTIONS and the made-up verb {made_up} got API Gateway's 403 'Missing "
            "Authentication Token', its answer for any method the resource does not "
            f"define: {method} passes if it is defined, and nothing sent shows whether it is",
        )
    if unknown.status == 403 and layer.stack in _METHOD_RULE_SERVERS:
        return _method_rule(method, layer, unknown, tuple(report.phantoms()))
    if unknown.status == 405 and layer.stack is Stack.NGINX:
        return _nginx_static(method, get, made_up, urlsplit(report.target.url).path)
    return None


def _csrf_refused(unknown: Observation) -> bool:
    return unknown.status == 403 and identify(unknown).clue == CSRF_FAILURE_CLUE


def _method_rule(
    method: str, layer: Layer, unknown: Observation, phantoms: tuple[Observation, ...]
) -> Blanket:
    rule = _METHOD_RULE_SERVERS[layer.stack]
    said = (
        f"OPTIONS and the made-up verb {unknown.method} got the same 403 ({layer.clue}) while GET "
        f"was served: {rule} forbids the methods it does not except"
    )
    if method == "POST":
        # The usual hardening rule excepts POST (<LimitExcept GET POST HEAD>,
        # limit_except GET POST): nothing sent in safe mode tells whether this one does.
        return Blanket(None, f"{said}, and such rules commonly except POST")
    # PATCH and DELETE sent to a phantom id show the rule's reach over unsafe verbs.
    unlike = [
        f"{answer.method} on a phantom id got {answer.status}"
        for answer in phantoms
        if answer.method in UNSAFE_METHODS and not _same(answer, unknown)
    ]
    if unlike:
        return Blanket(None, f"{said}, but {', '.join(unlike)}: the rule excepts some verbs")
    return Blanket(Verdict.FORBIDDEN, f"{said}; {method} is not one it lets through")


def _nginx_static(method: str, get: Observation, made_up: str, path: str) -> Blanket:
    """nginx's static handler (ngx_http_static_module) refuses with its own 405 every
    method but GET, HEAD and POST; POST gets a directory's slash redirect as GET does,
    and 405 on a file. Only dav_methods would serve PUT or DELETE here."""
    said = (
        f"OPTIONS and the made-up verb {made_up} got nginx's own 405 page: nginx serves "
        "this URL itself (its static file handler, no proxy_pass)"
    )
    if method != "POST":
        return Blanket(
            Verdict.REJECTED,
            f"{said}, which refuses every method but GET, HEAD and POST unless dav_methods "
            "enables it",
        )
    status = get.status or 0
    if status == 301 and identify(get).stack is Stack.NGINX:
        return Blanket(Verdict.REDIRECTED, f"{said}, which redirects POST to a directory as GET")
    if 200 <= status < 300 and not path.endswith("/"):
        return Blanket(Verdict.REJECTED, f"{said}, which refuses POST to a file")
    return Blanket(None, f"{said}, but what it does with POST depends on what GET found")


def _same(a: Observation | None, b: Observation | None) -> bool:
    if a is None or b is None:
        return False
    return (a.status, a.header("content-type"), a.body_bytes) == (
        b.status,
        b.header("content-type"),
        b.body_bytes,
    )
