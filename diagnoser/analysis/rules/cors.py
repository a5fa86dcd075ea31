"""Rules about OPTIONS and CORS preflights: what a browser needs before it sends a
cross-origin PUT, PATCH, DELETE or JSON POST."""

from __future__ import annotations

from diagnoser.analysis.facts import Facts
from diagnoser.analysis.headers import parse_method_list
from diagnoser.analysis.model import Finding, Severity, Verdict
from diagnoser.analysis.rules.common import header_evidence, join_methods, make_finding, status_text
from diagnoser.probing.model import DEFAULT_ORIGIN, PREFLIGHT_METHODS, Observation

# Fetch standard: GET, HEAD and POST pass the preflight's method check whatever
# Access-Control-Allow-Methods says.
_CORS_SAFELISTED = frozenset({"GET", "HEAD", "POST"})


def check(facts: Facts) -> list[Finding]:
    findings = [*_options_not_supported(facts), *_credentials(facts)]
    if not facts.cors_seen:
        findings += _cors_not_enabled(facts)
    if not (facts.cors_seen or facts.origin_chosen):
        return findings
    # With no CORS at all these are candidates the resolution pass folds into
    # cors_not_enabled: they become its evidence.
    return [
        *findings,
        *_preflight_method_not_allowed(facts),
        *_preflight_header_not_allowed(facts),
        *_preflight_missing_allow_origin(facts),
        *_preflight_allows_rejected_method(facts),
    ]


def _passed(observation: Observation | None) -> bool:
    return bool(observation and observation.status is not None and 200 <= observation.status < 300)


def _preflights_answered_by_cors(facts: Facts) -> bool:
    return any(
        any(name.startswith("access-control-") for name, _ in o.headers)
        for o in facts.preflight.values()
    )


def _options_not_supported(facts: Facts) -> list[Finding]:
    options = facts.plain.get("OPTIONS")
    if options is None or options.status is None:
        return []
    if not (options.status in (404, 405, 501) or options.status >= 500):
        return []
    preflights_pass = any(_passed(o) for o in facts.preflight.values())
    needs_preflight = [m for m in PREFLIGHT_METHODS if _works(facts, m)]
    if preflights_pass:
        severity = Severity.INFO
        title = (
            f"OPTIONS without CORS headers gets {options.status}; preflights are answered, so "
            "browsers work, but clients can't discover the methods"
        )
    elif not facts.origin_chosen and _preflights_answered_by_cors(facts):
        # A CORS layer answers the preflights but refuses our made-up origin: for the
        # origins it was set up for, they likely pass. Declare the origin to know.
        severity = Severity.INFO
        title = (
            f"OPTIONS without CORS headers gets {options.status}; a CORS layer answers "
            "preflights (for origins it knows), but clients can't discover the methods"
        )
    elif not needs_preflight:
        # No method a browser preflights is served: a failing preflight costs nothing
        # the route offers (the routing explains those methods), only discovery.
        severity = Severity.INFO
        title = (
            f"OPTIONS gets {options.status}; no method that needs a CORS preflight is "
            "served here, so only method discovery is lost"
        )
    else:
        severity = Severity.ERROR if (facts.origin_chosen or facts.cors_seen) else Severity.WARNING
        title = (
            f"OPTIONS gets {options.status}: CORS preflights fail too, "
            "browsers can't call unsafe methods"
        )
    layer = facts.layers.get("OPTIONS")
    return [
        make_finding(
            facts,
            "options_not_supported",
            title=title,
            probes=["OPTIONS", *[o.probe for o in facts.preflight.values()][:1]],
            headers=header_evidence(facts, "OPTIONS", "allow"),
            layer=layer.label if layer else None,
            severity=severity,
        )
    ]


def _cors_severity(facts: Facts, observation: Observation | None) -> Severity:
    """How much a preflight failure matters when we can't be sure the origin is welcome."""
    if facts.origin_chosen:
        return Severity.ERROR
    if observation is not None and observation.header("access-control-allow-origin"):
        return Severity.WARNING
    return Severity.INFO


def _origin_hint(facts: Facts) -> str:
    if facts.origin_chosen:
        return ""
    return (
        f"Probed with the made-up origin {DEFAULT_ORIGIN}; set the target's CORS origin to "
        "your front end's origin to check what your users get."
    )


def _cors_answered(observation: Observation) -> bool:
    return any(name.startswith("access-control-") for name, _ in observation.headers)


def _refused(facts: Facts, method: str) -> bool:
    return facts.verdict(method) in (Verdict.REJECTED, Verdict.NOT_FOUND)


def _works(facts: Facts, method: str) -> bool:
    cell = facts.matrix.cell(method)
    return bool(cell and cell.verdict is Verdict.ACCEPTED and not cell.note)


def _preflight_method_not_allowed(facts: Facts) -> list[Finding]:
    failing: list[tuple[str, str]] = []
    for method in PREFLIGHT_METHODS:
        observation = facts.preflight.get(method)
        if observation is None or not _works(facts, method):
            continue
        if not _passed(observation):
            failing.append((method, f"preflight answered {status_text(facts, observation.probe)}"))
            continue
        allowed = parse_method_list(observation.header("access-control-allow-methods") or "")
        credentials = (
            observation.header("access-control-allow-credentials") or ""
        ).lower() == "true"
        if (
            method in _CORS_SAFELISTED
            or allowed.lists(method)
            or (allowed.wildcard and not credentials)
        ):
            continue
        failing.append((method, f"Access-Control-Allow-Methods is '{allowed.raw}'"))
    if not failing:
        return []
    methods = [m for m, _ in failing]
    first = facts.preflight[methods[0]]
    return [
        make_finding(
            facts,
            "preflight_method_not_allowed",
            title=(
                f"Browsers can't send {join_methods(methods)} from {facts.origin}: "
                + "; ".join(f"{m}: {why}" for m, why in failing)
            ),
            probes=[*(f"preflight:{m}" for m in methods), *methods],
            methods=methods,
            headers=header_evidence(
                facts, first.probe, "access-control-allow-methods", "access-control-allow-origin"
            ),
            detail=_origin_hint(facts),
            severity=_cors_severity(facts, first),
        )
    ]


def _requested_headers(facts: Facts) -> list[str]:
    return sorted({name.lower() for name, _ in facts.report.target.headers} | {"content-type"})


def _preflight_header_not_allowed(facts: Facts) -> list[Finding]:
    for method in PREFLIGHT_METHODS:
        observation = facts.preflight.get(method)
        if not _passed(observation) or not _works(facts, method):
            continue
        assert observation is not None
        raw = observation.header("access-control-allow-headers") or ""
        allowed = {h.strip().lower() for h in raw.split(",") if h.strip()}
        credentials = (
            observation.header("access-control-allow-credentials") or ""
        ).lower() == "true"
        if "*" in allowed and not credentials:
            continue
        missing = [h for h in _requested_headers(facts) if h not in allowed]
        if not missing:
            continue
        return [
            make_finding(
                facts,
                "preflight_header_not_allowed",
                title=(
                    f"The preflight for {method} doesn't allow the request header"
                    f"{'s' if len(missing) > 1 else ''} {join_methods(missing)}"
                    + (
                        f" (Access-Control-Allow-Headers: '{raw}')"
                        if raw
                        else " (no Access-Control-Allow-Headers)"
                    )
                ),
                probes=[observation.probe],
                methods=[method],
                headers=header_evidence(facts, observation.probe, "access-control-allow-headers"),
                detail=_origin_hint(facts),
                severity=_cors_severity(facts, observation),
            )
        ]
    return []


def _preflight_missing_allow_origin(facts: Facts) -> list[Finding]:
    lacking = []
    for observation in facts.preflight.values():
        # A preflight for a method the route does not serve fails because of routing.
        if _refused(facts, observation.method):
            continue
        # A CORS layer that refuses the origin may still answer with its other headers
        # (Starlette: 400 "Disallowed CORS origin" with Access-Control-Allow-Methods).
        if not (_passed(observation) or _cors_answered(observation)):
            continue
        allowed = observation.header("access-control-allow-origin")
        if allowed is None or (allowed != "*" and allowed != facts.origin):
            lacking.append(observation)
    if not lacking:
        return []
    first = lacking[0]
    value = first.header("access-control-allow-origin")
    said = f"says '{value}'" if value else "is missing"
    return [
        make_finding(
            facts,
            "preflight_missing_allow_origin",
            title=(
                f"Preflight answers for {join_methods([o.method for o in lacking])} "
                f"don't allow the origin {facts.origin}: Access-Control-Allow-Origin {said}"
            ),
            probes=[o.probe for o in lacking],
            methods=[o.method for o in lacking],
            headers=header_evidence(facts, first.probe, "access-control-allow-origin"),
            detail=_origin_hint(facts),
            severity=_cors_severity(facts, None) if not facts.origin_chosen else Severity.ERROR,
        )
    ]


def _preflight_allows_rejected_method(facts: Facts) -> list[Finding]:
    for observation in facts.preflight.values():
        if not _passed(observation):
            continue
        allowed = parse_method_list(observation.header("access-control-allow-methods") or "")
        rejected = [
            m
            for m in sorted(allowed.methods)
            if facts.observed(m) and facts.verdict(m) in (Verdict.REJECTED, Verdict.NOT_FOUND)
        ]
        if rejected:
            return [
                make_finding(
                    facts,
                    "preflight_allows_rejected_method",
                    title=(
                        f"Access-Control-Allow-Methods '{allowed.raw}' invites "
                        f"{join_methods(rejected)}, which the resource answers "
                        + join_methods(sorted({status_text(facts, m) for m in rejected}))
                    ),
                    probes=[observation.probe, *rejected],
                    methods=rejected,
                    headers=header_evidence(
                        facts, observation.probe, "access-control-allow-methods"
                    ),
                )
            ]
    return []


def _credentials(facts: Facts) -> list[Finding]:
    findings = []
    wildcard = _credentialed(facts, "*")
    if wildcard is not None:
        findings.append(
            _credentials_finding(
                facts,
                wildcard,
                "cors_wildcard_with_credentials",
                f"{wildcard.probe} answers Access-Control-Allow-Origin: * "
                "with Allow-Credentials: true",
            )
        )
    # An origin the user chose may be echoed on purpose; only our made-up one proves reflection.
    reflected = None if facts.origin_chosen else _credentialed(facts, DEFAULT_ORIGIN)
    if reflected is not None:
        findings.append(
            _credentials_finding(
                facts,
                reflected,
                "cors_reflects_any_origin",
                f"{reflected.probe} echoes the made-up origin {DEFAULT_ORIGIN} "
                "and allows credentials",
            )
        )
    return findings


def _credentialed(facts: Facts, origin: str) -> Observation | None:
    """The first answer that allows `origin` together with credentials: one finding is enough."""
    for observation in facts.report.observations:
        credentials = (observation.header("access-control-allow-credentials") or "").lower()
        if observation.header("access-control-allow-origin") == origin and credentials == "true":
            return observation
    return None


def _credentials_finding(facts: Facts, observation: Observation, rule: str, title: str) -> Finding:
    return make_finding(
        facts,
        rule,
        title=title,
        probes=[observation.probe],
        headers=header_evidence(
            facts,
            observation.probe,
            "access-control-allow-origin",
            "access-control-allow-credentials",
        ),
    )


def _cors_not_enabled(facts: Facts) -> list[Finding]:
    if not facts.preflight:
        return []
    unsafe_served = [m for m in PREFLIGHT_METHODS if _works(facts, m)]
    if facts.origin_chosen:
        # A page on the declared origin can't even read a GET's answer without
        # Access-Control-Allow-Origin.
        if not (unsafe_served or _works(facts, "GET")):
            return []
        readable = join_methods(unsafe_served) if unsafe_served else "anything"
        title = (
            f"No CORS for {facts.origin}: no answer carries Access-Control-* headers, so a "
            f"browser app there can't send {readable} here or read the answers"
        )
        detail = "If the server allows other origins only, add this one to its allowed origins."
        severity = Severity.ERROR
        # Without Access-Control-Allow-Origin the page can't read any answer either.
        methods = [m for m in ("GET", "HEAD", *PREFLIGHT_METHODS) if _works(facts, m)]
    else:
        if not unsafe_served:
            return []
        title = (
            f"No CORS headers anywhere: a browser app on another origin can't send "
            f"{join_methods(unsafe_served)} here"
        )
        detail = _origin_hint(facts)
        severity = Severity.INFO
        methods = unsafe_served
    first = f"preflight:{(unsafe_served or list(facts.preflight))[0]}"
    return [
        make_finding(
            facts,
            "cors_not_enabled",
            title=title,
            probes=[first, *(["OPTIONS"] if "OPTIONS" in facts.plain else [])],
            methods=methods,
            detail=detail,
            severity=severity,
        )
    ]
