"""What went wrong when nothing answered, in a sentence a person acts on: "Connection
refused by 127.0.0.1:9 — is the service running?". Pages show this headline and keep the
raw text (the engine's line, or an exception's words stored by older versions and by
workers) behind a toggle."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from diagnoser.probing.model import ErrorKind

_HEADLINES: dict[ErrorKind, str] = {
    ErrorKind.REFUSED: "Connection refused by {host} — is the service running?",
    ErrorKind.TIMEOUT: "No answer from {host} in time — is it reachable, or just slow?",
    ErrorKind.DNS: "{host} does not resolve — check the host name",
    ErrorKind.TLS: "TLS with {host} failed — check its certificate",
    ErrorKind.PROTOCOL: "{host} answered with broken HTTP — check the server or its proxy",
    ErrorKind.BLOCKED: "Not sent: the address guard refuses {host}",
}

# Raw words of requests, urllib3, redis and the OS, for text stored without a kind.
_KIND_OF_WORDS: tuple[tuple[ErrorKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(words, re.I))
    for kind, words in (
        (ErrorKind.BLOCKED, r"not probed:|blocked address|refuses? the address"),
        (ErrorKind.DNS, r"name or service not known|nodename nor servname|getaddrinfo|resolve"),
        (ErrorKind.TLS, r"ssl|certificate|tls"),
        (ErrorKind.TIMEOUT, r"timed? ?out|deadline"),
        (ErrorKind.REFUSED, r"refused|errno 111|connection reset|max retries exceeded"),
    )
)
# A connection that opened and then closed without an answer is not a refusal.
_CLOSED = re.compile(r"closed the connection|connection reset|connection aborted|broken pipe", re.I)
_CLOSED_HEADLINE = "{host} closed the connection without an answer — check its logs"
_HOST_PORT = re.compile(r"((?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5})\b")
_BROKER = "broker unavailable"  # monitoring.services.runs' reason when publishing failed
_HOST_IN_WORDS = (
    re.compile(r"host='([^']+)', port=(\d+)"),  # urllib3: HTTPConnectionPool(host=..., port=...)
    re.compile(r"connecting to ([\w.:\[\]-]+):(\d+)"),  # redis-py
)


@dataclass(frozen=True)
class Failure:
    headline: str  # the human sentence
    raw: str  # what was stored, shown behind a toggle when it says more

    @property
    def has_details(self) -> bool:
        return bool(self.raw) and self.raw != self.headline


def _host(url: str, raw: str) -> str:
    for pattern in _HOST_IN_WORDS:
        if found := pattern.search(raw):
            return f"{found.group(1)}:{found.group(2)}"
    parts = urlsplit(url)
    if not parts.hostname:
        # The engine's own lines name the "host:port" it talked to.
        named = _HOST_PORT.search(raw)
        return named.group(1) if named else "the server"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{port}"


def _kind(kind: ErrorKind | str | None, raw: str) -> ErrorKind | None:
    if kind:
        return ErrorKind(kind)
    return next((k for k, words in _KIND_OF_WORDS if words.search(raw)), None)


def describe(raw: str, *, kind: ErrorKind | str | None = None, url: str = "") -> Failure:
    """The headline for a failure of kind (or, without one, as far as the raw words
    tell) talking to url; text nothing can be read from stays as it is."""
    if (raw or "").startswith(_BROKER):
        # Not the probed server: the run never left the queue.
        where = _host("", raw)
        at = "" if where == "the server" else f" at {where}"
        return Failure(
            f"Not probed: the task broker{at} did not take the run — is Redis running?", raw
        )
    found = _kind(kind, raw or "")
    if found is None:
        return Failure(raw or "No response, and no reason recorded", raw)
    closed = found is ErrorKind.REFUSED and _CLOSED.search(raw or "")
    headline = _CLOSED_HEADLINE if closed else _HEADLINES[found]
    return Failure(headline.format(host=_host(url, raw or "")), raw)
