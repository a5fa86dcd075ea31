"""An aiohttp app with default routing, served by aiohttp's own server in a thread.

Paths (what aiohttp answers; see OBSERVED.md):
  /items      add_get + add_post: GET 200, POST 201. add_get registers HEAD too; every
              other verb (OPTIONS and unknown verbs included) 405 with an Allow header.
  /items/1    GET 200, PUT 200, DELETE 204 (no PATCH); others 405 with Allow.
  /readonly   GET only.
  other       404.
"""

import asyncio
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web


async def items(request: web.Request) -> web.Response:
    if request.method == "POST":
        return web.json_response({"id": 2}, status=201)
    return web.json_response([{"id": 1}])


async def item(request: web.Request) -> web.Response:
    if request.method == "DELETE":
        return web.Response(status=204)
    return web.json_response({"id": int(request.match_info["id"])})


async def readonly(request: web.Request) -> web.Response:
    return web.json_response({"read": "only"})


def build() -> web.Application:
    app = web.Application()
    app.router.add_get("/items", items)
    app.router.add_post("/items", items)
    app.router.add_get(r"/items/{id:\d+}", item)
    app.router.add_put(r"/items/{id:\d+}", item)
    app.router.add_delete(r"/items/{id:\d+}", item)
    app.router.add_get("/readonly", readonly)
    return app


@contextmanager
def serving(sock: socket.socket) -> Iterator[None]:
    """Run the app on a bound socket from a thread with its own event loop."""
    # The made-up verb is a parse error to aiohttp, logged with a traceback per request.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(build(), access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.SockSite(runner, sock).start())
    thread = threading.Thread(target=loop.run_forever, name="aiohttp", daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.run_until_complete(runner.cleanup())
        loop.close()
