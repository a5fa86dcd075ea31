"""Which layer of the stack produced a response: the app, its framework, or a proxy,
gateway or WAF in front of it.

Servers rarely say so outright. We read the headers layers add (Server, Via,
x-amzn-*, cf-ray, ...) and the default error bodies frameworks and proxies send, which
are stable and distinctive.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from diagnoser.probing.model import Observation


class Stack(enum.StrEnum):
    NGINX = "nginx"
    APACHE = "apache"
    CADDY = "caddy"
    LIGHTTPD = "lighttpd"
    IIS = "iis"
    ENVOY = "envoy"
    KONG = "kong"
    TRAEFIK = "traefik"
    HAPROXY = "haproxy"
    CLOUDFLARE = "cloudflare"
    CLOUDFRONT = "cloudfront"
    AWS_API_GATEWAY = "aws-api-gateway"
    AWS_ALB = "aws-alb"
    AWS_WAF = "aws-waf"
    VARNISH = "varnish"
    DJANGO = "django"
    DJANGO_NINJA = "django-ninja"
    FLASK = "flask"
    STARLETTE = "starlette"  # and FastAPI, which builds on it
    LITESTAR = "litestar"
    SANIC = "sanic"
    EXPRESS = "express"
    SPRING = "spring"
    ASPNET = "aspnet"
    GO = "go"
    RAILS = "rails"
    PYTHON_HTTP_SERVER = "python-http.server"
    UNKNOWN = "unknown"


# Layers that sit in front of an application. A method answered by one of these while
# the application answers other methods means the gateway, not the app, decided.
GATEWAYS: frozenset[Stack] = frozenset(
    {
        Stack.NGINX,
        Stack.APACHE,
        Stack.CADDY,
        Stack.LIGHTTPD,
        Stack.IIS,
        Stack.ENVOY,
        Stack.KONG,
        Stack.TRAEFIK,
        Stack.HAPROXY,
        Stack.CLOUDFLARE,
        Stack.CLOUDFRONT,
        Stack.AWS_API_GATEWAY,
        Stack.AWS_ALB,
        Stack.AWS_WAF,
        Stack.VARNISH,
    }
)


@dataclass(frozen=True)
class Layer:
    stack: Stack
    label: str  # what to show: "nginx/1.22.1 (default error page)"
    # How the layer was recognised; bodies are stronger evidence than Server, which
    # proxies often pass through or rewrite.
    clue: str
    # Recognised by the layer's own default error body or its own headers, so the
    # layer certainly produced this response (a Server header may be passed through).
    certain: bool = False

    @property
    def is_gateway(self) -> bool:
        return self.stack in GATEWAYS


_SERVER_PATTERNS: tuple[tuple[re.Pattern[str], Stack], ...] = (
    (re.compile(r"^nginx|openresty|tengine", re.I), Stack.NGINX),
    (re.compile(r"^apache", re.I), Stack.APACHE),
    (re.compile(r"^caddy", re.I), Stack.CADDY),
    (re.compile(r"^lighttpd", re.I), Stack.LIGHTTPD),
    (re.compile(r"microsoft-iis", re.I), Stack.IIS),
    (re.compile(r"^envoy|istio-envoy", re.I), Stack.ENVOY),
    (re.compile(r"^kong", re.I), Stack.KONG),
    (re.compile(r"traefik", re.I), Stack.TRAEFIK),
    (re.compile(r"haproxy", re.I), Stack.HAPROXY),
    (re.compile(r"^cloudflare", re.I), Stack.CLOUDFLARE),
    (re.compile(r"^cloudfront", re.I), Stack.CLOUDFRONT),
    (re.compile(r"^awselb|^awsalb", re.I), Stack.AWS_ALB),
    (re.compile(r"werkzeug", re.I), Stack.FLASK),
    (re.compile(r"uvicorn|hypercorn|daphne", re.I), Stack.STARLETTE),
    (re.compile(r"kestrel", re.I), Stack.ASPNET),
    (re.compile(r"^BaseHTTP|SimpleHTTP", re.I), Stack.PYTHON_HTTP_SERVER),
)

# IIS request filtering answers a denied verb 404.6, not 403: the one 404 that forbids.
VERB_DENIED_CLUE = "IIS request filtering 'verb denied' page (404.6)"
CSRF_FAILURE_CLUE = "Django CSRF failure page"

# Default bodies, most distinctive first. Each pattern is matched against the excerpt.
_BODY_PATTERNS: tuple[tuple[re.Pattern[str], Stack, str], ...] = (
    (re.compile(r"<center>nginx", re.I), Stack.NGINX, "nginx default error page"),
    (re.compile(r"Missing Authentication Token", re.I), Stack.AWS_API_GATEWAY, "API Gateway"),
    (re.compile(r"<address>Apache", re.I), Stack.APACHE, "Apache default error page"),
    # Apache's 403 text stays when ServerSignature is off and the <address> line goes.
    (
        re.compile(r"<title>403 Forbidden</title>.*You don't have permission to access", re.S),
        Stack.APACHE,
        "Apache default 403 page",
    ),
    (
        re.compile(r"configured to deny the HTTP verb|HTTP Error 404\.6", re.I),
        Stack.IIS,
        VERB_DENIED_CLUE,
    ),
    (
        re.compile(r"403 - Forbidden: Access is denied|HTTP Error 403\.\d+ - Forbidden", re.I),
        Stack.IIS,
        "IIS default 403 page",
    ),
    (re.compile(r"cloudflare", re.I), Stack.CLOUDFLARE, "Cloudflare error page"),
    (
        re.compile(r"Request blocked|ERROR: The request could not be satisfied"),
        Stack.CLOUDFRONT,
        "CloudFront error page",
    ),
    (
        re.compile(r"<title>Error</title>.*<pre>Cannot [A-Z]+ ", re.S),
        Stack.EXPRESS,
        "Express 'Cannot METHOD' page",
    ),
    (
        re.compile(r"The method is not allowed for the requested URL"),
        Stack.FLASK,
        "Werkzeug 405 page",
    ),
    (re.compile(r"^\{\"detail\":\"Method Not Allowed\"\}"), Stack.STARLETTE, "FastAPI 405 body"),
    # Django Ninja's 405 (HttpResponseNotAllowed with this body; Django's own has none).
    (re.compile(r"^Method not allowed$"), Stack.DJANGO_NINJA, "Django Ninja 405 body"),
    # Litestar also runs under uvicorn, so its body must win over the Server header.
    (
        re.compile(r"^\{\"status_code\":\d{3},\"detail\":\""),
        Stack.LITESTAR,
        "Litestar error body",
    ),
    (
        re.compile(r"^\u26a0\ufe0f? \d{3} \u2014 |not allowed for URL /"),
        Stack.SANIC,
        "Sanic error page",
    ),
    (
        re.compile(r"\"error\":\"Method Not Allowed\".*\"path\"", re.S),
        Stack.SPRING,
        "Spring Boot error body",
    ),
    (
        re.compile(r"Message: Unsupported method|Error code: 501", re.I),
        Stack.PYTHON_HTTP_SERVER,
        "http.server error page",
    ),
    # Django's CSRF failure page; its text comes after a long <style>, past the excerpt.
    (
        re.compile(r'"NONE,NOARCHIVE">\s*<title>403 Forbidden</title>'),
        Stack.DJANGO,
        CSRF_FAILURE_CLUE,
    ),
    (re.compile(r"Routing Error|No route matches", re.I), Stack.RAILS, "Rails routing error"),
)


def identify(observation: Observation) -> Layer:
    """Best guess at the layer that produced this response."""
    body = observation.body_excerpt
    for pattern, stack, clue in _BODY_PATTERNS:
        if pattern.search(body):
            return Layer(stack, _label(observation, stack), clue, certain=True)
    for name in ("x-amzn-errortype", "x-amz-apigw-id"):
        if observation.header(name) is not None and observation.header("x-amzn-requestid"):
            return Layer(Stack.AWS_API_GATEWAY, "AWS API Gateway", f"{name} header", certain=True)
    if observation.header("x-amzn-requestid") and observation.status == 403:
        return Layer(Stack.AWS_WAF, "AWS WAF or API Gateway", "x-amzn-requestid on a 403")
    server = observation.header("server") or ""
    for pattern, stack in _SERVER_PATTERNS:
        if pattern.search(server):
            return Layer(stack, _label(observation, stack), f"Server: {server}")
    powered = observation.header("x-powered-by") or ""
    if "express" in powered.lower():
        return Layer(Stack.EXPRESS, "Express", f"X-Powered-By: {powered}")
    if "asp.net" in powered.lower():
        return Layer(Stack.ASPNET, "ASP.NET", f"X-Powered-By: {powered}")
    if observation.header("cf-ray"):
        return Layer(Stack.CLOUDFLARE, "Cloudflare", "cf-ray header")
    if _looks_like_django(observation):
        return Layer(Stack.DJANGO, "Django", "Django's default security headers")
    via = observation.header("via")
    if via:
        return Layer(Stack.UNKNOWN, f"behind Via: {via}", f"Via: {via}")
    if server:
        return Layer(Stack.UNKNOWN, server, f"Server: {server}")
    return Layer(Stack.UNKNOWN, "unidentified server", "no identifying headers")


def _label(observation: Observation, stack: Stack) -> str:
    server = observation.header("server")
    if server and stack in {s for _, s in _SERVER_PATTERNS}:
        return server
    return stack.value


def _looks_like_django(observation: Observation) -> bool:
    return (
        observation.header("x-frame-options") == "DENY"
        and observation.header("cross-origin-opener-policy") == "same-origin"
    )


def same_layer(a: Layer, b: Layer) -> bool:
    return a.stack == b.stack and (a.stack is not Stack.UNKNOWN or a.label == b.label)
