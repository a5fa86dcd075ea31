"""Turning whatever requests, urllib3, http.client or the guard raised into an ErrorKind
and one readable line that says what happened and what to do."""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import requests
import urllib3.exceptions as u3

from .config import EngineConfig
from .guard import BlockedAddress
from .model import ErrorKind
from .urls import InvalidTarget


@dataclass(frozen=True)
class FailureContext:
    """What the message needs to know about the failed request."""

    host: str  # "host:port" as the user would recognise it
    connect_timeout: float
    read_timeout: float
    deadline: float
    expired: bool  # the total deadline passed while the request ran
    status: str | None = None  # "200 OK" when the failure came while reading the body


def describe_failure(exc: BaseException, context: FailureContext) -> tuple[ErrorKind, str]:
    kind, message = _classify(list(_causes(exc)), context)
    return kind, _one_line(message)


def describe_send_failure(
    error: BaseException | None,
    config: EngineConfig,
    *,
    host: str,
    expired: bool,
    status: str | None,
) -> tuple[ErrorKind, str]:
    """One request's failure under config, as the engine and the outbound sender both say
    it: the exception raised, or (none) the deadline that passed."""
    context = FailureContext(
        host=host,
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        deadline=config.deadline,
        expired=expired,
        status=status,
    )
    return describe_failure(error or TimeoutError("the deadline passed"), context)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps, outermost first."""
    seen: set[int] = set()
    queue: list[BaseException] = [exc]
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped: list[object] = [current.__cause__, current.__context__]
        if isinstance(current, u3.MaxRetryError):
            wrapped.append(current.reason)
        wrapped.extend(current.args)
        queue.extend(item for item in wrapped if isinstance(item, BaseException))


def _first(
    causes: list[BaseException], kinds: type[BaseException] | tuple[type[BaseException], ...]
) -> BaseException | None:
    return next((c for c in causes if isinstance(c, kinds)), None)


def _classify(causes: list[BaseException], ctx: FailureContext) -> tuple[ErrorKind, str]:
    answered = f"{ctx.host} answered {ctx.status} but " if ctx.status else ""
    if blocked := _first(causes, (BlockedAddress, InvalidTarget)):
        return ErrorKind.BLOCKED, f"not probed: {blocked}"
    if ctx.expired:
        what = f"{answered}sent the body too slowly" if answered else f"no answer from {ctx.host}"
        return ErrorKind.TIMEOUT, (
            f"{what} within the {ctx.deadline:g} s deadline; check the server (or anything in "
            "front of it) for slow responses, or raise the deadline"
        )
    if _first(causes, (u3.NameResolutionError, socket.gaierror)):
        return ErrorKind.DNS, (
            f"the host name in {ctx.host} does not resolve; check its spelling and the DNS"
        )
    if tls := _first(causes, (ssl.SSLError, u3.SSLError, requests.exceptions.SSLError)):
        return ErrorKind.TLS, (
            f"TLS with {ctx.host} failed ({_detail(tls)}); check the certificate (host name, "
            "expiry, chain) and the TLS versions the server accepts"
        )
    if _first(causes, ConnectionRefusedError):
        return ErrorKind.REFUSED, (
            f"{ctx.host} refused the connection; check the port and that the server runs"
        )
    if _first(causes, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return ErrorKind.REFUSED, (
            f"{answered or ctx.host + ' '}closed the connection without a complete answer; "
            "check the server's logs (it, or a proxy in front of it, may drop this method)"
        )
    if _first(causes, u3.ConnectTimeoutError) and not _first(causes, u3.NewConnectionError):
        return ErrorKind.TIMEOUT, (
            f"connecting to {ctx.host} timed out after {ctx.connect_timeout:g} s; check that "
            "the host is reachable and no firewall drops the traffic"
        )
    if _first(causes, (TimeoutError, u3.ReadTimeoutError, requests.exceptions.Timeout)):
        return ErrorKind.TIMEOUT, (
            f"{answered or ctx.host + ' '}sent nothing for {ctx.read_timeout:g} s; check the "
            "server for slow responses, or raise the read timeout"
        )
    if bad := _first(
        causes,
        (http.client.HTTPException, u3.ProtocolError, u3.HTTPError, requests.RequestException),
    ):
        return ErrorKind.PROTOCOL, (
            f"{ctx.host} answered with invalid HTTP ({_protocol_detail(causes, bad)}); check "
            "the server or the proxy in front of it"
        )
    if oserror := _first(causes, OSError):
        return ErrorKind.REFUSED, (
            f"could not talk to {ctx.host} ({_detail(oserror)}); check the network path to it"
        )
    unexpected = causes[0]
    return ErrorKind.PROTOCOL, (
        f"probing {ctx.host} failed unexpectedly ({type(unexpected).__name__}: "
        f"{_detail(unexpected)}); please report this with the URL"
    )


def _protocol_detail(causes: list[BaseException], fallback: BaseException) -> str:
    if _first(causes, http.client.LineTooLong):
        return "a status or header line is too long"
    incomplete = _first(causes, (http.client.IncompleteRead, u3.IncompleteRead))
    # http.client reports an unparsable chunk size as IncompleteRead from a ValueError.
    if _first(causes, u3.InvalidChunkLength) or (incomplete and _first(causes, ValueError)):
        return "broken chunked framing"
    if incomplete:
        return "the body ended before the length it announced"
    if bad_line := _first(causes, http.client.BadStatusLine):
        line = bad_line.args[0] if bad_line.args else ""
        return f"bad status line {str(line)[:60]!r}"
    for cause in causes:
        if type(cause) is http.client.HTTPException and "more than" in str(cause):
            return "more than 100 header fields"
    return _detail(_first(causes, http.client.HTTPException) or fallback)


def _detail(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split())
