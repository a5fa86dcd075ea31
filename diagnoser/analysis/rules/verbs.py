"""Rules about how individual verbs are answered: TRACE, made-up verbs, 404s, 5xx,
redirects and unsafe probes that were carried out."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from diagnoser.analysis.facts import Facts
from diagnoser.analysis.model import Basis, Finding, Severity, Verdict
from diagnoser.analysis.rules.common import header_evidence, join_methods, make_finding
from diagnoser.probing.model import PLAIN_METHODS, UNSAFE_METHODS, Observation

# Methods whose being served shows the resource exists. OPTIONS and HEAD are answered by
# many frameworks for any route, TRACE by some servers for any URL.
_CONTENT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def check(facts: Facts) -> list[Finding]:
    return [
        *_redirect_changes_method(facts),
        *_method_falls_to_404(facts),
        *_server_error_on_method(facts),
        *_trace_enabled(facts),
        *_unknown_method_not_501(facts),
        *_precondition_ignored(facts),
    ]


def _trace_enabled(facts: Facts) -> list[Finding]:
    trace = facts.plain.get("TRACE")
    if trace is None or trace.status is None or not 200 <= trace.status < 300:
        return []
    echoes = (trace.header("content-type") or "").startswith("message/http") or (
        "TRACE " in trace.body_excerpt
    )
    return [
        make_finding(
            facts,
            "trace_enabled",
            title=f"TRACE is answered {trace.status}"
            + (" and echoes the request back" if echoes else ""),
            probes=["TRACE"],
            methods=["TRACE"],
            headers=header_evidence(facts, "TRACE", "content-type"),
        )
    ]


def _unknown_method_not_501(facts: Facts) -> list[Finding]:
    unknown = facts.unknown
    if unknown is None or unknown.status is None:
        return []
    name = facts.report.unknown_method
    if unknown.status == 405:
        return [
            make_finding(
                facts,
                "unknown_method_not_501",
                title=f"The made-up method {name} gets 405, not 501",
                probes=[unknown.probe],
                methods=[name],
                severity=Severity.INFO,
            )
        ]
    if 200 <= unknown.status < 300:
        return [
            make_finding(
                facts,
                "unknown_method_not_501",
                title=f"The made-up method {name} gets {unknown.status}: the server serves any "
                "method as if it were GET",
                probes=[unknown.probe, "GET"],
                methods=[name],
                severity=Severity.WARNING,
                detail="Methods answered the same way are marked as possible catch-alls.",
            )
        ]
    return []


def _method_falls_to_404(facts: Facts) -> list[Finding]:
    served = [m for m in _CONTENT_METHODS if facts.served(m)]
    if not served:
        return []
    advertised = facts.advertised_allow
    listed = advertised.allow.methods if advertised else frozenset()
    # A phantom cell is NOT_FOUND only when the router's 404 was told from a handler's
    # "no such id" (inference.py), so it counts as the route's answer.
    # An inferred one only where the stack's router is known to answer so (inference.py).
    fallen = [
        m
        for m in PLAIN_METHODS
        if facts.verdict(m) is Verdict.NOT_FOUND
        and m not in listed
        # HEAD 404 beside a served GET is the HEAD rules' symptom (head_get_mismatch).
        and not (m == "HEAD" and facts.served("GET"))
    ]
    if not fallen:
        return []
    return [
        make_finding(
            facts,
            "method_falls_to_404",
            title=(
                f"{join_methods(fallen)} get{'s' if len(fallen) == 1 else ''} 404 while "
                f"{join_methods(served)} {'is' if len(served) == 1 else 'are'} served: "
                "unsupported methods should get 405 with Allow"
            ),
            probes=[*(facts.probe_for(m) for m in fallen), served[0]],
            methods=fallen,
            layer=(
                layer.label if (layer := facts.layers.get(facts.probe_for(fallen[0]))) else None
            ),
        )
    ]


def _server_error_on_method(facts: Facts) -> list[Finding]:
    failing = [
        m
        for m in (*PLAIN_METHODS, facts.report.unknown_method)
        if facts.observed(m) and facts.verdict(m) is Verdict.ERROR
    ]
    if not failing:
        return []
    get_fails = "GET" in failing
    statuses = ", ".join(f"{m} {facts.plain[m].status}" for m in failing)
    title = (
        f"The resource itself fails ({statuses}): fix the outage before judging methods"
        if get_fails
        else f"{join_methods(failing)} crash{'es' if len(failing) == 1 else ''} the server "
        f"({statuses}) instead of getting 405/501"
    )
    return [
        make_finding(
            facts,
            "server_error_on_method",
            title=title,
            probes=failing,
            methods=failing,
            severity=Severity.ERROR if get_fails else None,
        )
    ]


def _precondition_ignored(facts: Facts) -> list[Finding]:
    changed = [
        m
        for m in PLAIN_METHODS
        if m in UNSAFE_METHODS
        and (o := facts.plain.get(m)) is not None
        and o.status is not None
        and 200 <= o.status < 300
        and not facts.matrix.cell(m).note  # type: ignore[union-attr]
    ]
    if not changed:
        return []
    return [
        make_finding(
            facts,
            "precondition_ignored",
            title=(
                f"{join_methods(changed)} with a failing If-Match got "
                + ", ".join(str(facts.plain[m].status) for m in changed)
                + ": the server ignored the precondition and may have changed data"
            ),
            probes=changed,
            methods=changed,
        )
    ]


def _redirect_changes_method(facts: Facts) -> list[Finding]:
    findings = []
    for method in PLAIN_METHODS:
        observation = facts.plain.get(method) or _redirect_every_method_gets(facts, method)
        if method not in UNSAFE_METHODS or observation is None:
            continue
        if observation.status not in (301, 302, 303):
            continue
        location = observation.header("location") or ""
        cause = _redirect_cause(facts.report.target.url, location)
        findings.append((method, observation.status, location, cause))
    if not findings:
        return []
    methods = [m for m, *_ in findings]
    _, status, location, cause = findings[0]
    unsent = [m for m in methods if m not in facts.plain]
    return [
        make_finding(
            facts,
            "redirect_changes_method",
            title=(
                f"{join_methods(methods)} {'is' if len(methods) == 1 else 'are'} redirected with "
                f"{status} to {location or '(no Location)'}: clients retry as GET"
                + (f" ({cause})" if cause else "")
                + (
                    f"; {join_methods(unsent)} not sent: inferred from GET's, as every "
                    "method gets the same redirect"
                    if unsent
                    else ""
                )
            ),
            probes=[*(m for m in methods if m in facts.plain), *(["GET"] if unsent else [])],
            methods=methods,
            headers=header_evidence(
                facts, methods[0] if methods[0] in facts.plain else "GET", "location"
            ),
            fix=[f"Call {urljoin(facts.report.target.url, location)} directly."]
            if location
            else [],
        )
    ]


def _redirect_every_method_gets(facts: Facts, method: str) -> Observation | None:
    """GET's redirect, for an unsent method inferred to get the same one (inference.py
    infers a redirect only when GET, OPTIONS and the made-up verb share it)."""
    cell = facts.matrix.cell(method)
    if cell is None or cell.basis is not Basis.INFERRED or cell.verdict is not Verdict.REDIRECTED:
        return None
    return facts.plain.get("GET")


def _redirect_cause(url: str, location: str) -> str:
    if not location:
        return ""
    here, there = urlsplit(url), urlsplit(urljoin(url, location))
    if here.scheme == "http" and there.scheme == "https" and here.path == there.path:
        return "http to https upgrade"
    if here.netloc == there.netloc and there.path == here.path + "/":
        return "trailing-slash redirect"
    if here.netloc == there.netloc and here.path == there.path + "/":
        return "slash-removing redirect"
    if here.netloc != there.netloc:
        return f"moved to another host ({there.netloc})"
    return ""
