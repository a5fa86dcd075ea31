"""Whether an Allow was built by a router from its routes, so a method it names is served.

Frameworks compute Allow from the methods their routes register; a handler that writes
Allow by hand can name a method it then refuses (RFC 9110 15.5.6 asks for the target's
methods, nothing checks it). So an unsent method is inferred served from Allow only when
an answer carrying it is a router's own: its default 405/501 body or automatic OPTIONS
answer. A server header alone is not enough: Werkzeug's or uvicorn's server runs
hand-written apps as well as frameworks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from diagnoser.analysis.layers import Stack, identify
from diagnoser.probing.model import Observation

# Stacks recognised by their router's own default body (layers.py, `certain`), or by
# headers only that framework sends (Django's security headers) on the view's answer.
_ROUTER_STACKS = frozenset(
    {
        Stack.FLASK,
        Stack.STARLETTE,
        Stack.LITESTAR,
        Stack.SANIC,
        Stack.DJANGO,
        Stack.SPRING,
        Stack.RAILS,
    }
)
_ASGI_SERVER = re.compile(r"uvicorn|hypercorn|daphne", re.I)
_BODIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r'^\{"detail":"Method \\"[A-Z]+\\" not allowed\."\}'), "Django REST framework"),
    (re.compile(r'^\{"title": "405 Method Not Allowed"\}'), "Falcon"),
    (re.compile(r"<title>Error: 405 Method Not Allowed</title>"), "Bottle"),
)


def express_answered_options(options: Observation | None) -> bool:
    """Express's router answered OPTIONS itself: its automatic answer's body is the
    Allow value it built."""
    allow = options.header("allow") if options is not None else None
    return bool(allow) and options is not None and options.body_excerpt.strip() == allow


def _express(o: Observation) -> bool:
    powered = (o.header("x-powered-by") or "").lower()
    return o.method == "OPTIONS" and "express" in powered and express_answered_options(o)


def _aiohttp(o: Observation) -> bool:
    return "aiohttp/" in (o.header("server") or "")


def _starlette(o: Observation) -> bool:
    server = o.header("server") or ""
    return (
        o.status == 405
        and o.body_excerpt == "Method Not Allowed"
        and bool(_ASGI_SERVER.search(server))
    )


def _koa_router(o: Observation) -> bool:
    # allowedMethods() answers a method the router does not implement 501 with the
    # path's Allow and Koa's default body.
    return o.status == 501 and o.body_excerpt == "Not Implemented"


def _apache(o: Observation) -> bool:
    return identify(o).stack is Stack.APACHE


_SIGNATURES: tuple[tuple[str, Callable[[Observation], bool]], ...] = (
    ("Express's automatic OPTIONS answer", _express),
    ("aiohttp's router (Server header)", _aiohttp),
    ("Starlette's router ('Method Not Allowed' under an ASGI server)", _starlette),
    ("@koa/router (501 'Not Implemented' with Allow)", _koa_router),
    ("Apache httpd's core (Server header)", _apache),
)


def allow_builder(observations: Iterable[Observation]) -> str:
    """What shows that a router built the Allow of these responses, or "" if nothing."""
    for observation in observations:
        if observation.status is None or observation.header("allow") is None:
            continue
        layer = identify(observation)
        if layer.stack in _ROUTER_STACKS and (layer.certain or layer.stack is Stack.DJANGO):
            return f"{layer.stack.value}'s router ({layer.clue})"
        for pattern, name in _BODIES:
            if pattern.search(observation.body_excerpt):
                return f"{name}'s router (its 405 body)"
        for name, matches in _SIGNATURES:
            if matches(observation):
                return name
    return ""
