"""The troubleshooting checklist: the findings' fixes, most severe first, then the
generic flow a server applies to a request (URL, method, gateway, CORS), each step
marked with what the observations already show."""

from __future__ import annotations

from diagnoser.analysis.facts import Facts
from diagnoser.analysis.headers import format_methods
from diagnoser.analysis.model import ChecklistStep, Finding, Verdict
from diagnoser.analysis.reproduce import curl_for
from diagnoser.probing.model import PLAIN_METHODS


def build_checklist(facts: Facts, findings: tuple[Finding, ...]) -> tuple[ChecklistStep, ...]:
    steps = [
        ChecklistStep(
            title=finding.title,
            detail=finding.fix[0] if finding.fix else finding.explanation,
            commands=finding.reproduce[:2],
            rule=finding.rule,
            severity=finding.severity,
            state="problem",
        )
        for finding in findings
    ]
    steps += [_url_step(facts), _method_step(facts), _gateway_step(facts), _cors_step(facts)]
    return tuple(steps)


def _url_step(facts: Facts) -> ChecklistStep:
    get = facts.plain.get("GET")
    commands = (curl_for(facts.report, "GET"),)
    if get is None or get.status is None:
        return ChecklistStep(
            "1. Does the URL reach the server?",
            "GET got no response: check the host, port and scheme first.",
            commands,
        )
    if facts.verdict("GET") is Verdict.NOT_FOUND and not facts.served_methods:
        return ChecklistStep(
            "1. Does a route match the URL?",
            "Every method gets 404: check the path, API prefix/version and trailing slash.",
            commands,
            state="problem",
        )
    return ChecklistStep(
        "1. Does a route match the URL?",
        f"Yes: GET answered {get.status}"
        + (
            f", and {format_methods(set(facts.served_methods), PLAIN_METHODS)} are served."
            if facts.served_methods
            else "."
        ),
        commands,
        state="ok",
    )


def _method_step(facts: Facts) -> ChecklistStep:
    accepted = facts.matrix.accepted - {facts.report.unknown_method}
    rejected = [
        c.method
        for c in facts.matrix.cells
        if c.verdict in (Verdict.REJECTED, Verdict.NOT_FOUND) and c.observed
    ]
    detail = (
        f"Accepted: {format_methods(set(accepted), PLAIN_METHODS) or 'none'}. "
        f"Rejected: {', '.join(rejected) or 'none'}. "
        "Call the resource with an accepted method; a 405 should carry Allow naming them."
    )
    if facts.matrix.allow is not None:
        detail += f" The resource advertises Allow: {facts.matrix.allow or '(empty)'}."
    return ChecklistStep(
        "2. Is the method one the resource accepts?",
        detail,
        (curl_for(facts.report, "OPTIONS"),),
        state="ok" if accepted else "todo",
    )


def _gateway_step(facts: Facts) -> ChecklistStep:
    labels = sorted({layer.label for layer in facts.layers.values()})
    forbidden = [m for m in PLAIN_METHODS if facts.verdict(m) is Verdict.FORBIDDEN]
    detail = f"Layers that answered: {', '.join(labels) or 'none identified'}. "
    if forbidden:
        detail += (
            f"{', '.join(forbidden)} got 403: compare Server/Via on those answers with the "
            "served ones, and check proxy, gateway and WAF rules for method filters."
        )
    else:
        detail += "No method was forbidden (403) by any layer."
    return ChecklistStep(
        "3. Does a proxy, gateway or WAF block the method?",
        detail,
        tuple(curl_for(facts.report, m) for m in forbidden[:2]),
        state="problem" if forbidden else "ok",
    )


def _cors_step(facts: Facts) -> ChecklistStep:
    passed = [
        o.method
        for o in facts.preflight.values()
        if o.status is not None
        and 200 <= o.status < 300
        and o.header("access-control-allow-origin")
    ]
    commands = tuple(curl_for(facts.report, o.probe) for o in list(facts.preflight.values())[:1])
    if not facts.preflight:
        return ChecklistStep("4. Do browsers get through the CORS preflight?", "Not probed.", ())
    if len(passed) == len(facts.preflight):
        return ChecklistStep(
            "4. Do browsers get through the CORS preflight?",
            f"Preflights from {facts.origin} are answered with CORS headers "
            f"for {', '.join(passed)}.",
            commands,
            state="ok",
        )
    return ChecklistStep(
        "4. Do browsers get through the CORS preflight?",
        f"Preflights from {facts.origin} pass for {', '.join(passed) or 'no method'}. "
        "A browser app on another origin needs 2xx, Access-Control-Allow-Origin and "
        "Access-Control-Allow-Methods for each method it sends.",
        commands,
        state="problem" if facts.origin_chosen else "todo",
    )
