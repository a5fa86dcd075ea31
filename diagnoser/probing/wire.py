"""What goes on the wire for each planned probe of a target: URL, headers, guards.

Kept apart from engine.py, which owns sending and reading; this owns what is sent, so
the rules about secrets (never with TRACE or preflights), the unsafe-verb guard and
where phantom probes may go sit in one place.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlsplit

from requests import PreparedRequest
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict

from .model import DEFAULT_ORIGIN, UNSAFE_METHODS, Observation, ProbeKind, ProbeSpec, Target
from .plan import phantom_url
from .scrub import REDACTED
from .urls import InvalidTarget, validate_target_url

PRECONDITION = '"diagnoser-probe-precondition"'


@dataclass(frozen=True)
class Request:
    spec: ProbeSpec
    headers: tuple[tuple[str, str], ...]  # what goes on the wire
    recorded: tuple[tuple[str, str], ...]  # the same, secrets redacted
    url: str = ""  # where a phantom probe goes; "" for the target's URL


def located(observation: Observation, request: Request) -> Observation:
    return dataclasses.replace(observation, url=request.url) if request.url else observation


def phantom_for(target: Target, url: str) -> str | InvalidTarget:
    """The phantom URL ("" when none), checked like the target's and held to its scheme,
    host and port: the target's headers, secrets included, go along."""
    raw = phantom_url(target)
    if raw is None:
        return ""
    try:
        phantom = validate_target_url(raw)
    except InvalidTarget as exc:
        return exc
    if urlsplit(phantom)[:2] != urlsplit(url)[:2]:
        return InvalidTarget("the route template must name the URL's own scheme, host and port")
    return phantom


def request_for(
    spec: ProbeSpec,
    base: tuple[tuple[str, str], ...],
    extra: tuple[tuple[str, str], ...],
    origin: str | None,
    phantom: str,
) -> Request:
    sent: list[tuple[str, str]] = list(base)
    secret: set[int] = set()
    if spec.kind is ProbeKind.PREFLIGHT:
        # A browser's preflight carries no credentials, only the names of the headers
        # the real request will bring.
        names = sorted({"content-type", *(name.lower() for name, _ in extra)})
        sent += [
            ("Origin", origin or DEFAULT_ORIGIN),
            ("Access-Control-Request-Method", spec.method),
            ("Access-Control-Request-Headers", ",".join(names)),
        ]
    else:
        if spec.method != "TRACE":
            # TRACE echoes the request back: stored credentials must never ride along
            # (RFC 9110 9.3.8).
            overridden = {name.lower() for name, _ in extra}
            sent = [(n, v) for n, v in sent if n.lower() not in overridden]
            secret = set(range(len(sent), len(sent) + len(extra)))
            sent += extra
        if origin is not None:
            sent.append(("Origin", origin))
        if spec.method in UNSAFE_METHODS:
            sent += [("Content-Length", "0"), ("If-Match", PRECONDITION)]
    recorded = tuple((n, REDACTED if i in secret else v) for i, (n, v) in enumerate(sent))
    url = phantom if spec.kind is ProbeKind.PHANTOM else ""
    return Request(spec, tuple(sent), recorded, url)


def prepared_request(
    method: str, url: str, headers: tuple[tuple[str, str], ...]
) -> PreparedRequest:
    # Built by hand: the URL is already validated and normalised, and requests'
    # full preparation (URL re-parsing, auth, cookies) costs more than the request.
    request = PreparedRequest()
    request.method = method
    request.url = url
    request.headers = CaseInsensitiveDict(dict(headers))
    request.body = None
    request.hooks = default_hooks()
    return request
