"""The troubleshooting checklist: the findings' fixes, most severe first, then the
generic flow a server applies to a request (URL, method, gateway, CORS), each step
marked with what the observations already show."""

from __future__ import annotations

from diagnoser.analysis.facts import Facts
from diagnoser.analysis.headers import format_methods, parse_method_list
from diagnoser.analysis.model import Basis, ChecklistStep, Finding, MethodCell, Verdict
from diagnoser.analysis.reproduce import curl_for
from diagnoser.probing.model import PLAIN_METHODS, Observation


def build_checklist(
    facts: Facts, findings: tuple[Finding, ...], *, method: str | None = None
) -> tuple[ChecklistStep, ...]:
    """method: the one the user asks about; no step is "ok" that this method fails."""
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
    before_routing = any(f.rule == "rejected_before_routing" for f in findings)
    steps += [
        _url_step(facts, before_routing),
        _method_step(facts, method),
        _gateway_step(
            facts,
            method,
            before_routing,
            next((f for f in findings if f.rule == "gateway_forbids_method"), None),
        ),
        _cors_step(facts, method),
    ]
    return tuple(steps)


def _url_step(facts: Facts, before_routing: bool) -> ChecklistStep:
    get = facts.plain.get("GET")
    commands = (curl_for(facts.report, "GET"),)
    if get is None or get.status is None:
        return ChecklistStep(
            "1. Does the URL reach the server?",
            "GET got no response: check the host, port and scheme first.",
            commands,
        )
    if before_routing:
        return ChecklistStep(
            "1. Does a route match the URL?",
            f"Unknown: every method got {get.status} before routing, so no route was "
            "reached. Fix that first.",
            commands,
            state="problem",
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


_FAILS = frozenset(
    {
        Verdict.REJECTED,
        Verdict.NOT_FOUND,
        Verdict.FORBIDDEN,
        Verdict.ERROR,
        Verdict.REDIRECTED,
        Verdict.FAILED,
    }
)


def _method_step(facts: Facts, method: str | None) -> ChecklistStep:
    accepted = facts.matrix.accepted - {facts.report.unknown_method}
    # Like "Accepted", from every cell with a verdict, each saying what it rests on.
    rejected = [
        c.method + ("" if c.observed else f" ({_basis_words(c)})")
        for c in facts.matrix.cells
        if c.verdict in (Verdict.REJECTED, Verdict.NOT_FOUND)
    ]
    detail = (
        f"Accepted: {format_methods(set(accepted), PLAIN_METHODS) or 'none'}. "
        f"Rejected: {', '.join(rejected) or 'none'}. "
        "Call the resource with an accepted method; a 405 should carry Allow naming them."
    )
    if facts.matrix.allow is not None:
        detail += f" The resource advertises Allow: {facts.matrix.allow or '(empty)'}."
    state = "ok" if accepted else "todo"
    cell = facts.matrix.cell(method) if method else None
    if method is not None:
        if cell is None or cell.verdict is Verdict.UNKNOWN:
            state = "todo"
            detail = f"{method}: not known ({cell.source if cell else 'not probed'}). {detail}"
        elif cell.verdict in _FAILS or cell.note:
            state = "problem"
            detail = f"{method}: {cell.verdict.value} ({_status_words(cell)}). {detail}"
        elif cell.verdict is Verdict.ACCEPTED:
            state = "ok"
            detail = f"{method}: accepted ({_status_words(cell)}). {detail}"
        else:
            state = "todo"
    return ChecklistStep(
        "2. Is the method one the resource accepts?",
        detail,
        (curl_for(facts.report, "OPTIONS"),),
        state=state,
    )


def _basis_words(cell: MethodCell) -> str:
    return "on a phantom id" if cell.basis is Basis.PHANTOM else "inferred"


def _status_words(cell: MethodCell) -> str:
    if cell.observed:
        return str(cell.status)
    if cell.basis is Basis.PHANTOM:
        return f"{cell.status} on a phantom id"
    return f"inferred from {cell.source}"


def _gateway_step(
    facts: Facts, method: str | None, before_routing: bool, gateway: Finding | None
) -> ChecklistStep:
    labels = sorted({layer.label for layer in facts.layers.values()})
    forbidden = [m for m in PLAIN_METHODS if facts.verdict(m) is Verdict.FORBIDDEN]
    detail = f"Layers that answered: {', '.join(labels) or 'none identified'}. "
    if method is not None and facts.verdict(method) is Verdict.FORBIDDEN:
        detail = f"{method} got 403. " + detail
    if gateway is not None:
        # The finding names the layer and its directive; a generic hint would hide it.
        forbidden = list(dict.fromkeys([*gateway.evidence.methods, *forbidden]))
        detail += f"{gateway.title}. {gateway.fix[0] if gateway.fix else ''}".rstrip()
    elif forbidden:
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
        # Refused before routing, no method reached the rules this step asks about.
        state="problem" if forbidden else ("todo" if before_routing else "ok"),
    )


def _cors_step(facts: Facts, method: str | None) -> ChecklistStep:
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
    asked = facts.preflight.get(method) if method else None
    if asked is not None and not _preflight_lets_through(asked):
        routing = facts.verdict(asked.method) in (Verdict.REJECTED, Verdict.NOT_FOUND)
        return ChecklistStep(
            "4. Do browsers get through the CORS preflight?",
            f"No for {method}: its preflight from {facts.origin} got {asked.status} and "
            "a browser needs 2xx, Access-Control-Allow-Origin and the method in "
            "Access-Control-Allow-Methods."
            + (
                f" The route does not serve {method} anyway (step 2): fix that first."
                if routing
                else ""
            ),
            (curl_for(facts.report, asked.probe),),
            state="problem" if facts.origin_chosen else "todo",
        )
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


def _preflight_lets_through(observation: Observation) -> bool:
    if observation.status is None or not 200 <= observation.status < 300:
        return False
    if not observation.header("access-control-allow-origin"):
        return False
    allowed = parse_method_list(observation.header("access-control-allow-methods") or "")
    # Fetch: GET, HEAD and POST pass the method check whatever the list says.
    return (
        observation.method in ("GET", "HEAD", "POST")
        or allowed.lists(observation.method)
        or (allowed.wildcard)
    )
