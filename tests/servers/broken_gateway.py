"""A deliberately misconfigured stack: an app server ("gunicorn") behind a load balancer.

Hand-written with http.server so each flaw is exact and stays put. HTTP/1.1 keep-alive,
"Server: gunicorn/21.2.0" unless said otherwise.

/broken, every mistake at once:
  GET        200 text/plain "broken resource".
  HEAD       404 text/html and a body (Connection: close so the stray body can't
             poison a pooled connection): status, type and body all unlike GET.
  POST       301 to /broken/ (the trailing-slash redirect that turns POST into GET).
  PUT        500 Internal Server Error.
  PATCH      405 with no Allow header.
  DELETE     403 from the load balancer: "Server: awselb/2.0", "Via: 1.1 gateway".
  OPTIONS    200 with "Allow: get, GET, POST, FOO BAR" (lowercase, duplicate, a token
             with a space), no CORS headers.
  preflight  (OPTIONS with Origin and Access-Control-Request-Method) 200 with
             "Access-Control-Allow-Origin: *", "Access-Control-Allow-Credentials: true",
             "Access-Control-Allow-Methods: GET, POST, PUT, PATCH, DELETE" (PATCH is 405,
             DELETE 403, PUT 500) and the malformed Allow above.
  TRACE      200 message/http echoing the request line and headers.
  any other  (XDIAGNOSE, ...) 200 exactly like GET: a catch-all.
/broken/     GET and HEAD 200 (where the POST redirect lands); other verbs as /correct.

/lying-allow, one flaw: Allow names DELETE but DELETE is refused.
  GET, HEAD  200, HEAD without a body.
  OPTIONS    204 "Allow: GET, HEAD, DELETE, OPTIONS" (preflights get the same, no CORS).
  DELETE     405 "Allow: GET, HEAD, DELETE, OPTIONS".
  POST, PUT, PATCH, TRACE  405 with the same Allow.
  any other  501.

/correct, no flaw, so rules can be shown silent:
  GET, HEAD  200 with identical headers, HEAD without a body.
  POST       201.
  OPTIONS    204 "Allow: GET, HEAD, POST, OPTIONS".
  preflight  from https://app.example: 204 with that origin, "Vary: Origin",
             "Access-Control-Allow-Methods: GET, HEAD, POST", the requested headers;
             from another origin: 204 without CORS headers.
  PUT, PATCH, DELETE, TRACE  405 with the same Allow.
  any other  501.

/inconsistent: 405s say "Allow: GET, POST", OPTIONS says "Allow: GET, PUT, OPTIONS";
  GET, HEAD 200, POST 201, PUT 405 (with the 405 Allow), others 405.
/reflect: an API that echoes any Origin into Access-Control-Allow-Origin with
  "Access-Control-Allow-Credentials: true" on preflights (204) and on requests that
  carry Origin; preflights allow "GET, HEAD, PUT" but send no Access-Control-Allow-Headers
  (so a JSON PUT from a browser fails). GET, HEAD 200, PUT 204, OPTIONS 204
  "Allow: GET, HEAD, PUT, OPTIONS", others 405 with that Allow.
/auth: an authentication wall in front of routing: every verb 401 with
  'WWW-Authenticate: Bearer realm="api"', preflights included.
/api-gateway: what AWS API Gateway (REST) answers for a method with no integration:
  GET, HEAD 200 (Server: gunicorn), every other verb 403
  '{"message":"Missing Authentication Token"}' with x-amzn-ErrorType and
  x-amzn-RequestId and no Server header.
/guarded: honours If-Match like a careful API: GET, HEAD 200 with an ETag, PUT and
  DELETE with a non-matching If-Match 412, POST 405, OPTIONS 204 "Allow: GET, HEAD, PUT,
  DELETE, OPTIONS", TRACE 405, any other 501.

/head-body: HEAD answered exactly like GET, body included, on a kept-alive connection
  (the bytes would be read as the start of the next response); OPTIONS 204 "Allow: GET,
  HEAD, OPTIONS", others 405 with that Allow.

Other paths: 404 for every verb.
"""

from tests.stubs import StubHandler, StubServer

APP_SERVER = "gunicorn/21.2.0"
GATEWAY_SERVER = "awselb/2.0"
CORS_ORIGIN = "https://app.example"
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
CORRECT_ALLOW = "GET, HEAD, POST, OPTIONS"
LYING_ALLOW = "GET, HEAD, DELETE, OPTIONS"


class GatewayHandler(StubHandler):
    """Every verb reaches the routing below (StubHandler), as a catch-all proxy would."""

    server_header = APP_SERVER

    def version_string(self) -> str:
        return self.server_header

    def send_response(self, code: int, message: str | None = None) -> None:
        # The stdlib always adds Server; a gateway's own answers may carry none.
        self.log_request(code)
        self.send_response_only(code, message)
        if self.server_header:
            self.send_header("Server", self.server_header)
        self.send_header("Date", self.date_time_string())

    def answer(self) -> None:
        self._drain_body()
        self.server_header = APP_SERVER
        path = self.path.split("?", 1)[0]
        if path == "/broken":
            self._broken()
        elif path == "/lying-allow":
            self._lying_allow()
        elif path in ("/correct", "/broken/"):
            self._correct()
        elif path == "/inconsistent":
            self._inconsistent()
        elif path == "/reflect":
            self._reflect()
        elif path == "/auth":
            self._send(401, b"unauthorized\n", headers={"WWW-Authenticate": 'Bearer realm="api"'})
        elif path == "/api-gateway":
            self._api_gateway()
        elif path == "/guarded":
            self._guarded()
        elif path == "/head-body":
            self._head_body()
        else:
            self._send(404, b"not found\n")

    def _broken(self) -> None:
        method = self.command
        if method == "HEAD":
            self._send(404, b"<h1>Not Found</h1>\n", "text/html", close=True, body_on_head=True)
        elif method == "POST":
            self._send(301, b"", headers={"Location": "/broken/"})
        elif method == "PUT":
            self._send(500, b"Internal Server Error\n")
        elif method == "PATCH":
            self._send(405, b"Method Not Allowed\n")
        elif method == "DELETE":
            self.server_header = GATEWAY_SERVER
            self._send(403, b"<h1>403 Forbidden</h1>\n", "text/html", {"Via": "1.1 gateway"})
        elif method == "OPTIONS":
            headers = {"Allow": "get, GET, POST, FOO BAR"}
            if self._is_preflight():
                headers |= {
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Credentials": "true",
                    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
                    "Access-Control-Allow-Headers": "content-type",
                }
            self._send(200, b"", headers=headers)
        elif method == "TRACE":
            echo = f"{self.requestline}\r\n{self.headers}".encode("latin-1")
            self._send(200, echo, "message/http")
        else:
            self._send(200, b"broken resource\n")

    def _lying_allow(self) -> None:
        method = self.command
        if method in ("GET", "HEAD"):
            self._send(200, b"resource\n")
        elif method == "OPTIONS":
            self._send(204, b"", headers={"Allow": LYING_ALLOW})
        else:
            self._refuse(LYING_ALLOW)

    def _correct(self) -> None:
        if self._served_get_or_post():
            return
        if self.command == "OPTIONS":
            headers = {"Allow": CORRECT_ALLOW}
            if self._is_preflight():
                headers["Vary"] = "Origin"
                if self.headers.get("Origin") == CORS_ORIGIN:
                    headers |= {
                        "Access-Control-Allow-Origin": CORS_ORIGIN,
                        "Access-Control-Allow-Methods": "GET, HEAD, POST",
                        "Access-Control-Allow-Headers": self.headers.get(
                            "Access-Control-Request-Headers", ""
                        ),
                    }
            self._send(204, b"", headers=headers)
        else:
            self._refuse(CORRECT_ALLOW)

    def _inconsistent(self) -> None:
        if self._served_get_or_post():
            return
        if self.command == "OPTIONS":
            self._send(204, b"", headers={"Allow": "GET, PUT, OPTIONS"})
        else:
            self._send(405, b"Method Not Allowed\n", headers={"Allow": "GET, POST"})

    def _reflect(self) -> None:
        method = self.command
        cors = {"Vary": "Origin"}
        if "Origin" in self.headers:
            cors |= {
                "Access-Control-Allow-Origin": self.headers["Origin"],
                "Access-Control-Allow-Credentials": "true",
            }
        allow = "GET, HEAD, PUT, OPTIONS"
        if method in ("GET", "HEAD"):
            self._send(200, b"resource\n", headers=cors)
        elif method == "PUT":
            self._send(204, b"", headers=cors)
        elif method == "OPTIONS":
            headers = {"Allow": allow}
            if self._is_preflight():
                headers |= cors | {"Access-Control-Allow-Methods": "GET, HEAD, PUT"}
            self._send(204, b"", headers=headers)
        else:
            self._send(405, b"Method Not Allowed\n", headers={"Allow": allow})

    def _api_gateway(self) -> None:
        if self.command in ("GET", "HEAD"):
            self._send(200, b'{"items": []}', "application/json")
            return
        self.server_header = ""
        self._send(
            403,
            b'{"message":"Missing Authentication Token"}',
            "application/json",
            {
                "x-amzn-ErrorType": "MissingAuthenticationTokenException",
                "x-amzn-RequestId": "4b9c3f0e-0000-4000-8000-000000000000",
            },
        )

    def _guarded(self) -> None:
        method = self.command
        allow = "GET, HEAD, PUT, DELETE, OPTIONS"
        if method in ("GET", "HEAD"):
            self._send(200, b"resource\n", headers={"ETag": '"v1"'})
        elif method in ("PUT", "DELETE"):
            if self.headers.get("If-Match", '"v1"') != '"v1"':
                self._send(412, b"Precondition Failed\n")
            else:
                self._send(204, b"")
        elif method == "OPTIONS":
            self._send(204, b"", headers={"Allow": allow})
        else:
            self._refuse(allow)

    def _head_body(self) -> None:
        allow = "GET, HEAD, OPTIONS"
        if self.command in ("GET", "HEAD"):
            # One write, as servers that get this wrong usually do: they render the whole
            # response into one buffer whatever the method.
            body = b"a body HEAD must not have\n"
            self.log_request(200)
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nServer: " + APP_SERVER.encode() + b"\r\n"
                b"Content-Type: text/plain\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
        elif self.command == "OPTIONS":
            self._send(204, b"", headers={"Allow": allow})
        else:
            self._send(405, b"Method Not Allowed\n", headers={"Allow": allow})

    def _served_get_or_post(self) -> bool:
        """GET, HEAD 200 and POST 201 of a resource that serves them; False for other verbs."""
        if self.command in ("GET", "HEAD"):
            self._send(200, b"resource\n")
        elif self.command == "POST":
            self._send(201, b"created\n")
        else:
            return False
        return True

    def _refuse(self, allow: str) -> None:
        """What a careful router answers a verb it does not serve: 405 with Allow if it
        knows the verb, 501 if not."""
        if self.command in KNOWN_METHODS:
            self._send(405, b"Method Not Allowed\n", headers={"Allow": allow})
        else:
            self._send(501, b"Not Implemented\n")

    def _is_preflight(self) -> bool:
        return "Origin" in self.headers and "Access-Control-Request-Method" in self.headers

    def _drain_body(self) -> None:
        # Unread request bodies would be parsed as the next request on this connection.
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/plain",
        headers: dict[str, str] | None = None,
        *,
        close: bool = False,
        body_on_head: bool = False,
    ) -> None:
        self.send_response(status)
        if body or status not in (204, 304):
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" or body_on_head:
            self.wfile.write(body)


def make_server() -> StubServer:
    """Bind to a free port on 127.0.0.1; the caller serves and shuts down."""
    return StubServer(handler=GatewayHandler)
