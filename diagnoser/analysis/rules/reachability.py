"""Can the resource be diagnosed at all? Probe failures, a URL with no route, an
authentication wall. These come first in the order a server checks a request."""

from __future__ import annotations

from collections import defaultdict

from diagnoser.analysis.facts import Facts, same_answer
from diagnoser.analysis.model import Finding, Severity, Verdict
from diagnoser.analysis.rules.common import join_methods, make_finding
from diagnoser.probing.model import ErrorKind, Observation

_REACHED = frozenset(
    {Verdict.ACCEPTED, Verdict.REDIRECTED, Verdict.AUTH_REQUIRED, Verdict.FORBIDDEN}
)

_KIND_FIX = {
    ErrorKind.DNS: "The host name does not resolve from the worker: check the spelling and "
    "the DNS the worker uses.",
    ErrorKind.REFUSED: "Nothing accepts connections on that host and port: check the port, "
    "that the service is up, and firewalls between the worker and the host.",
    ErrorKind.TIMEOUT: "The server did not answer within the time limit: check that it is "
    "up and reachable from the worker, or raise DIAGNOSER_PROBE_DEADLINE for slow APIs.",
    ErrorKind.TLS: "The TLS handshake failed: check the certificate (expiry, host name, "
    "chain) and the TLS versions the server offers.",
    ErrorKind.PROTOCOL: "The server sent something that is not valid HTTP/1.1 (status line, "
    "headers or framing): check what sits on that port.",
    ErrorKind.BLOCKED: "diagnoser refused to connect (see the message). Private and "
    "loopback networks are probed only when DIAGNOSER_ALLOW_NETWORKS admits them.",
}


def all_failed(facts: Facts) -> bool:
    return not any(o.ok for o in facts.report.observations)


def no_route(facts: Facts) -> bool:
    """GET is 404 and nothing shows a route exists at this URL."""
    if facts.verdict("GET") is not Verdict.NOT_FOUND or not facts.observed("GET"):
        return False
    options = facts.plain.get("OPTIONS")
    if options is not None and options.status is not None and 200 <= options.status < 300:
        return False
    return not any(
        facts.verdict(m) in _REACHED for m in facts.plain if m != facts.report.unknown_method
    )


# Answers a server gives while parsing or screening a request, before any route:
# malformed (400), body/URL/header block over a limit (413, 414, 431).
_PRE_ROUTING = {
    400: "the server could not parse the request (a malformed header, Host or framing, "
    "or TLS spoken to a plain-HTTP port): compare the probe's request with one that works",
    413: "the request body is over the server's limit: check client_max_body_size "
    "(nginx), LimitRequestBody (Apache) or the app server's body limit",
    414: "the URL is over the server's limit: shorten the query string, or raise "
    "large_client_header_buffers (nginx) / LimitRequestLine (Apache)",
    431: "the request's header block is over the server's limit (RFC 6585 5): send fewer "
    "or smaller headers (cookies, tokens), or raise the limit (nginx "
    "large_client_header_buffers, Apache LimitRequestFieldSize, Node "
    "--max-http-header-size, Python http.server's 64 KB line limit)",
}
# Statuses other rules explain when every method gets them.
_NOT_PRE_ROUTING = frozenset({401, 404, 405, 407, 501})


def rejected_before_routing(facts: Facts) -> Observation | None:
    """GET's answer when every method got the same pre-routing answer, else None.

    Only the probes that carried the target's headers count: TRACE never does (it would
    echo credentials), and preflights send their own, so they may reach a route.
    """
    carried = [o for o in facts.plain.values() if o.method != "TRACE"]
    get = facts.plain.get("GET")
    if get is None or get.status is None or len(carried) < 3:
        return None
    if any(o.status != get.status for o in carried):
        return None
    if get.status in _PRE_ROUTING:
        return get
    layer = facts.layers.get("GET")
    waf_page = (
        get.status >= 400
        and get.status not in _NOT_PRE_ROUTING
        and layer is not None
        and layer.is_gateway
        and layer.certain
        and all(same_answer(o, get) for o in carried)
    )
    return get if waf_page else None


def check(facts: Facts) -> list[Finding]:
    findings = []
    failed = [o for o in facts.report.observations if not o.ok]
    if failed:
        findings.append(_probe_failed(facts, failed))
    rejected = rejected_before_routing(facts)
    if rejected is not None:
        return [*findings, _rejected_before_routing(facts, rejected)]
    if no_route(facts):
        findings.append(
            make_finding(
                facts,
                "resource_not_found",
                title="No route at this URL: GET and every other method get 404",
                probes=["GET", "OPTIONS"],
                methods=[m for m, o in facts.plain.items() if o.status == 404],
            )
        )
    responded = [
        o for o in facts.plain.values() if o.ok and o.method != facts.report.unknown_method
    ]
    if responded and all(o.status in (401, 407) for o in responded):
        challenge = next(
            (o.header("www-authenticate") for o in responded if o.header("www-authenticate")), None
        )
        findings.append(
            make_finding(
                facts,
                "credentials_required",
                title=(
                    "Every method gets 401: add credentials to see which methods "
                    "the resource serves"
                ),
                probes=["GET"],
                headers=[("GET", "www-authenticate", challenge)] if challenge else [],
            )
        )
    return findings


def _probe_failed(facts: Facts, failed: list[Observation]) -> Finding:
    by_kind: dict[ErrorKind | None, list[Observation]] = defaultdict(list)
    for observation in failed:
        by_kind[observation.error_kind].append(observation)
    total = len(facts.report.observations)
    parts = [
        f"{kind or 'error'}: {join_methods([o.probe for o in group])}"
        for kind, group in by_kind.items()
    ]
    first = failed[0]
    if len(failed) == total:
        title = f"No probe got a response ({first.error_kind}): {first.error}"
        severity = Severity.ERROR
    else:
        title = f"{len(failed)} of {total} probes got no response ({'; '.join(parts)})"
        severity = Severity.WARNING
    fixes = [_KIND_FIX[kind] for kind in by_kind if kind in _KIND_FIX]
    return make_finding(
        facts,
        "probe_failed",
        title=title,
        probes=[o.probe for o in failed[:4]],
        methods=[o.probe for o in failed],
        detail="; ".join(f"{o.probe}: {o.error}" for o in failed[:6]),
        fix=fixes,
        severity=severity,
    )


def _rejected_before_routing(facts: Facts, get: Observation) -> Finding:
    status = get.status
    assert status is not None
    layer = facts.layers.get("GET")
    by = layer.label if layer is not None else "the server"
    what = f"{status} {get.reason}".strip()
    sent = sum(len(name) + len(value) + 4 for name, value in facts.report.target.headers)
    why = _PRE_ROUTING.get(
        status,
        f"{by} blocks the request before the application sees it: check its rules "
        "for this URL (the block page names the rule or an id to look up)",
    )
    return make_finding(
        facts,
        "rejected_before_routing",
        title=(
            f"Every method gets {what} from {by}: the request was rejected before routing, "
            "so no route was reached"
        ),
        probes=["GET", *(m for m in facts.plain if m not in ("GET", "TRACE"))][:4],
        methods=[m for m in facts.plain if m != "TRACE"],
        layer=f"{by} ({layer.clue})" if layer is not None else None,
        detail=(
            f"The target's extra headers add about {sent} bytes to every request."
            if sent and status == 431
            else ""
        ),
        fix=[why[0].upper() + why[1:] + "."],
        stack=layer.stack if layer is not None else None,
    )
