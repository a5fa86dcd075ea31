"""Whether an Allow was built by a router from its routes, so a method it names is served.

Frameworks compute Allow from the methods their routes register; a handler that writes
Allow by hand can name a method it then refuses (RFC 9110 15.5.6 asks for the target's
methods, nothing checks it). So an unsent method is inferred served from Allow only when
some response shows a router that builds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from diagnoser.analysis.layers import Stack, identify
from diagnoser.probing.model import Observation

# Stacks whose routing answers OPTIONS and 405 with the Allow it computes. Werkzeug's
# server stands for the WSGI frameworks it runs (Flask, Bottle, Falcon, Pyramid), uvicorn
# for the ASGI ones; nginx is not here: it passes on whatever Allow the app behind sent.
_ROUTER_STACKS = frozenset(
    {Stack.FLASK, Stack.STARLETTE, Stack.DJANGO, Stack.EXPRESS, Stack.SPRING, Stack.RAILS}
)
_AIOHTTP_SERVER = re.compile(r"\baiohttp/", re.I)
_DRF_405 = re.compile(r'^\{"detail":"Method \\"[A-Z]+\\" not allowed\."\}')


def allow_builder(observations: Iterable[Observation]) -> str:
    """What shows that a router built the Allow of these responses, or "" if nothing."""
    for observation in observations:
        if observation.status is None or observation.header("allow") is None:
            continue
        layer = identify(observation)
        if layer.stack in _ROUTER_STACKS:
            return f"{layer.stack.value}'s router ({layer.clue})"
        if _AIOHTTP_SERVER.search(observation.header("server") or ""):
            return "aiohttp's router (Server header)"
        if _DRF_405.match(observation.body_excerpt):
            return "Django REST framework (its 405 body)"
        if observation.status == 501:
            # @koa/router's allowedMethods() answers a method it does not implement 501
            # with the path's Allow: a hand-written 501 rarely carries one.
            return f"a router that answers {observation.method} 501 with the path's Allow"
    return ""
