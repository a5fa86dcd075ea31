"""http.server as people write it: a handler that defines only do_GET and do_HEAD.

Paths (what the standard library answers; see OBSERVED.md):
  /items   GET 200 JSON; HEAD 200, same headers, no body. Every other verb, known or
           not (POST, PUT, PATCH, DELETE, OPTIONS, TRACE, XDIAGNOSE and preflights), gets
           the library's own 501 "Unsupported method", with no Allow header.
  other    GET/HEAD 404; every other verb 501 as above (the library checks the method
           before the handler sees the path).

The server speaks HTTP/1.0 (the library default), so it closes every connection.
"""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ITEMS_BODY = json.dumps([{"id": 1}]).encode()


class ItemsHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        if self.path.split("?", 1)[0] != "/items":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ITEMS_BODY)))
        self.end_headers()
        if send_body:
            self.wfile.write(ITEMS_BODY)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet: the library logs every request to stderr."""


def make_server() -> ThreadingHTTPServer:
    """Bind to a free port on 127.0.0.1; the caller serves and shuts down."""
    return ThreadingHTTPServer(("127.0.0.1", 0), ItemsHandler)
