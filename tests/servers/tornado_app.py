"""A Tornado app (RequestHandler per route), served by Tornado's HTTPServer in a thread.

Paths (what Tornado answers; see OBSERVED.md):
  /items      get + post: GET 200, POST 201. A verb the handler lacks gets Tornado's 405,
              which carries no Allow header; HEAD is not derived from get.
  /items/1    get, put, delete (no patch).
  /readonly   get only.
  other       404.
"""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets


class Items(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write({"items": [{"id": 1}]})

    def post(self) -> None:
        self.set_status(201)
        self.write({"id": 2})


class Item(tornado.web.RequestHandler):
    def get(self, item_id: str) -> None:
        self.write({"id": int(item_id)})

    def put(self, item_id: str) -> None:
        self.write({"id": int(item_id)})

    def delete(self, item_id: str) -> None:
        self.set_status(204)


class ReadOnly(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write({"read": "only"})


def build() -> tornado.web.Application:
    # No access log: the corpus runs in the bench's and the tests' own process.
    return tornado.web.Application(
        [(r"/items", Items), (r"/items/(\d+)", Item), (r"/readonly", ReadOnly)],
        log_function=lambda handler: None,
    )


@contextmanager
def serving() -> Iterator[int]:
    """Serve on a free 127.0.0.1 port from a thread with its own loop; yield the port."""
    sockets = bind_sockets(0, "127.0.0.1")
    port = int(sockets[0].getsockname()[1])
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: list[HTTPServer] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = HTTPServer(build())
        server.add_sockets(sockets)
        holder.append(server)
        loop.call_soon(started.set)
        loop.run_forever()

    thread = threading.Thread(target=run, name="tornado", daemon=True)
    thread.start()
    started.wait(timeout=10)
    try:
        yield port
    finally:
        if holder:
            loop.call_soon_threadsafe(holder[0].stop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
