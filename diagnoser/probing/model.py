"""The probe engine's vocabulary: what to probe, how, and what came back.

Everything here is an immutable plain dataclass so reports can be passed between
threads, processes (Celery) and layers without anyone mutating them on the way.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

# The methods RFC 9110 section 9 defines (CONNECT excepted: it opens a tunnel, it does not
# ask anything of the resource) in the order the matrix shows them.
PLAIN_METHODS: tuple[str, ...] = (
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "OPTIONS",
    "TRACE",
)
# Methods whose preflight a browser sends before a cross-origin request.
PREFLIGHT_METHODS: tuple[str, ...] = ("POST", "PUT", "PATCH", "DELETE")
# Methods that may change state (RFC 9110 9.2.1); `safe` policy never sends them.
UNSAFE_METHODS: frozenset[str] = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A syntactically valid token no server registers: its answer is the server's
# "I do not know this method" signature (as nmap's http-methods script uses it).
UNKNOWN_METHOD = "XDIAGNOSE"

# Response headers an observation keeps (lower-case); the rest is noise for diagnosis.
# Each says whether it is volatile: different on every request (sizes, cache state,
# request ids, timings), so monitoring leaves it out of the hash that tells a changed
# answer from an unchanged one.
STABLE, VOLATILE = False, True
HEADER_TABLE: dict[str, bool] = {
    "allow": STABLE,
    "location": STABLE,
    "server": STABLE,
    "via": STABLE,
    "content-type": STABLE,
    "content-length": VOLATILE,
    "content-encoding": STABLE,
    "transfer-encoding": STABLE,
    "vary": STABLE,
    "etag": VOLATILE,
    "www-authenticate": STABLE,
    "x-powered-by": STABLE,
    "x-cache": VOLATILE,
    "x-served-by": VOLATILE,
    "x-amzn-requestid": VOLATILE,
    "x-amzn-errortype": STABLE,
    "x-amz-cf-id": VOLATILE,
    "x-amz-apigw-id": VOLATILE,
    "cf-ray": VOLATILE,
    "x-envoy-upstream-service-time": VOLATILE,
    "x-kong-proxy-latency": VOLATILE,
    "x-kong-upstream-latency": VOLATILE,
    "x-azure-ref": VOLATILE,
    "x-ms-request-id": VOLATILE,
    "x-goog-request-id": VOLATILE,
    # Defaults Django's SecurityMiddleware and clickjacking middleware add: they tell
    # a Django answer from a proxy's.
    "x-frame-options": STABLE,
    "cross-origin-opener-policy": STABLE,
    "referrer-policy": STABLE,
    "x-content-type-options": STABLE,
    "connection": STABLE,
    # The CORS response headers (Fetch standard), and Chrome's Private Network Access
    # one. Only these: a server inventing Access-Control-X-<random> headers would
    # otherwise make every answer look new and fill the database.
    "access-control-allow-origin": STABLE,
    "access-control-allow-credentials": STABLE,
    "access-control-allow-methods": STABLE,
    "access-control-allow-headers": STABLE,
    "access-control-expose-headers": STABLE,
    "access-control-max-age": STABLE,
    "access-control-allow-private-network": STABLE,
}
KEPT_HEADERS: frozenset[str] = frozenset(HEADER_TABLE)
VOLATILE_HEADERS: frozenset[str] = frozenset(n for n, v in HEADER_TABLE.items() if v)


class ProbePolicy(enum.StrEnum):
    FULL = "full"  # every verb is sent
    # No unsafe verb on the URL; PATCH/DELETE only on a phantom id of a route template.
    SAFE = "safe"
    # GET, HEAD, OPTIONS, the made-up verb and preflights only, for teams whose WAF pages
    # on any DELETE, phantom or not.
    STRICT = "strict"


class ProbeKind(enum.StrEnum):
    PLAIN = "plain"
    PREFLIGHT = "preflight"
    # A plain request to the route template filled with an id that cannot exist: it shows
    # whether the route serves an unsafe verb without touching a real resource.
    PHANTOM = "phantom"


class ErrorKind(enum.StrEnum):
    TIMEOUT = "timeout"  # connect/read timeout or the total deadline passed
    REFUSED = "refused"  # TCP connection refused or reset before a response
    DNS = "dns"  # the host name did not resolve
    TLS = "tls"  # handshake or certificate failure
    PROTOCOL = "protocol"  # malformed status line, too many/too long headers, bad framing
    BLOCKED = "blocked"  # refused by our own guard (SSRF policy, scheme, port)


def is_kept_header(name: str) -> bool:
    return name.lower() in KEPT_HEADERS


@dataclass(frozen=True)
class Target:
    """One URL to probe, with what to send along."""

    url: str
    # Extra request headers (for example Authorization). Values may be secrets: they are
    # never sent with TRACE or preflights, and analysis redacts them in reproduce lines.
    headers: tuple[tuple[str, str], ...] = ()
    # Origin for CORS preflights. None: preflights use DEFAULT_ORIGIN and plain requests
    # carry no Origin.
    origin: str | None = None
    policy: ProbePolicy = ProbePolicy.FULL
    # The route template the URL was filled from (`https://api.example/items/{id}`) and
    # the samples that filled it: the safe policy probes unsafe verbs on a phantom id of
    # it. None when the URL is not a template (or, unfilled, is its own template).
    template: str | None = None
    samples: tuple[tuple[str, str], ...] = ()
    # The one unsafe method the user asked to send to the URL itself, once and guarded,
    # after being told what it risks (`diagnose --method PATCH --send-method`).
    send_method: str | None = None
    # Whom the probe is for (a service, so within one workspace): connections are never
    # shared across scopes.
    scope: str = ""


DEFAULT_ORIGIN = "https://diagnoser.invalid"


@dataclass(frozen=True)
class ProbeSpec:
    """One request the engine sends for a target."""

    kind: ProbeKind
    method: str  # the verb the probe asks about (for a preflight: the requested method)

    @property
    def name(self) -> str:
        """Stable probe id used in reports and JSON: "PUT", "preflight:PUT", "phantom:PATCH"."""
        return self.method if self.kind is ProbeKind.PLAIN else f"{self.kind.value}:{self.method}"

    @property
    def http_method(self) -> str:
        """The method on the wire (a preflight is an OPTIONS request)."""
        return "OPTIONS" if self.kind is ProbeKind.PREFLIGHT else self.method


@dataclass(frozen=True)
class Observation:
    """What one probe request produced: a response, or an error, never both."""

    probe: str
    kind: ProbeKind
    method: str
    status: int | None = None
    reason: str = ""
    # Kept response headers, names lower-case, repeated headers joined with ", ".
    headers: tuple[tuple[str, str], ...] = ()
    # Some headers were cut or left out to stay within reading.MAX_KEPT_* (hostile sizes).
    headers_cut: bool = False
    body_bytes: int = 0  # bytes read (as sent on the wire, never decompressed)
    body_truncated: bool = False  # the cap was reached before the body ended
    body_excerpt: str = ""
    elapsed_ms: float = 0.0
    error_kind: ErrorKind | None = None
    error: str | None = None
    # Request headers we sent (names as sent, secret values replaced by "[redacted]").
    request_headers: tuple[tuple[str, str], ...] = ()
    peer_address: str | None = None  # the IP the socket actually connected to
    # Where the request went when that is not the target's URL (phantom probes).
    url: str = ""

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key == lower:
                return value
        return None

    @property
    def ok(self) -> bool:
        """A response arrived (whatever its status)."""
        return self.status is not None


@dataclass(frozen=True)
class ProbeReport:
    """Every observation for one target, in plan order."""

    target: Target
    observations: tuple[Observation, ...]
    started_at: datetime
    elapsed_ms: float
    unknown_method: str = UNKNOWN_METHOD
    notes: tuple[str, ...] = field(default=())

    def get(self, probe: str) -> Observation | None:
        for observation in self.observations:
            if observation.probe == probe:
                return observation
        return None

    def plain(self) -> Iterator[Observation]:
        return (o for o in self.observations if o.kind is ProbeKind.PLAIN)

    def preflights(self) -> Iterator[Observation]:
        return (o for o in self.observations if o.kind is ProbeKind.PREFLIGHT)

    def phantoms(self) -> Iterator[Observation]:
        return (o for o in self.observations if o.kind is ProbeKind.PHANTOM)
