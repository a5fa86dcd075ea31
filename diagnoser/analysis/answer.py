"""The answer first: for the method in question, the verdict, the one cause, the layer
that answered, the fix for that stack and the curl line that shows it.

Precedence per method is the order a server applies (resolve.PRECEDENCE): a request
refused before routing, then not routed, then forbidden by a server or gateway, then
CORS, then Allow hygiene.
"""

from __future__ import annotations

from diagnoser.analysis.answer_text import gateway_forbids, not_supported
from diagnoser.analysis.facts import Facts
from diagnoser.analysis.layers import Layer, Stack
from diagnoser.analysis.model import (
    Answer,
    Basis,
    Diagnosis,
    Finding,
    MethodCell,
    Severity,
    Verdict,
)
from diagnoser.analysis.reproduce import curl_for
from diagnoser.analysis.resolve import precedence, rank
from diagnoser.probing.model import UNSAFE_METHODS

NOT_SUPPORTED = "method_not_supported"

# Causes that concern the whole resource, whatever the method.
_WHOLE = frozenset({"rejected_before_routing", "resource_not_found", "credentials_required"})
# A method the route serves fails in browsers only through CORS (group 3).
_CORS_GROUP = 3
# CORS-safelisted methods go out without a preflight (Fetch standard): the server runs
# them whatever its CORS set-up, so CORS is not why they fail on the server.
_NO_PREFLIGHT = frozenset({"GET", "HEAD"})
# A rejected method's own Allow hygiene decides whether the server "says so correctly".
_SAYS_IT_WRONG = frozenset({"missing_allow_on_405", "allow_lists_rejected_method"})


def answer_for(diagnosis: Diagnosis, method: str | None = None) -> Answer:
    """The answer for `method`, or without one the most severe cause."""
    if method is None:
        if diagnosis.answer is not None:
            return diagnosis.answer
        # A diagnosis rebuilt from stored rows has no answers: diagnose(report) makes them.
        return Answer(
            None, "unknown", None, None, None, "This diagnosis carries no answer.", "", ""
        )
    for answer in diagnosis.answers:
        if answer.method == method:
            return answer
    return Answer(
        method,
        "unknown",
        None,
        None,
        None,
        f"{method} was not probed: the matrix has the methods RFC 9110 defines and a made-up one.",
        "",
        "",
    )


def build_answers(facts: Facts, findings: tuple[Finding, ...]) -> tuple[tuple[Answer, ...], Answer]:
    answers = tuple(_for_method(facts, findings, cell) for cell in facts.matrix.cells)
    return answers, _overall(facts, findings, answers)


def _overall(facts: Facts, findings: tuple[Finding, ...], answers: tuple[Answer, ...]) -> Answer:
    # Info findings are worth reading, not the headline of a resource that works.
    problems = [f for f in findings if f.severity is not Severity.INFO]
    if not problems:
        served = ", ".join(facts.served_methods) or "none"
        more = f" ({len(findings)} info finding(s) below)" if findings else ""
        return Answer(
            None,
            "ok",
            None,
            None,
            facts.stack.value if facts.stack is not Stack.UNKNOWN else None,
            f"No problem found: methods served here: {served}; the others are refused "
            f"the way RFC 9110 asks{more}.",
            "",
            curl_for(facts.report, "OPTIONS"),
        )
    worst = min(problems, key=rank)
    by_method = {a.method: a for a in answers}
    for shown in worst.evidence.methods:
        answer = by_method.get(shown)
        if answer is not None and answer.cause == worst.rule:
            return answer
    method = next((m for m in worst.evidence.methods if m in by_method), None)
    cell = facts.matrix.cell(method) if method else None
    return _from_finding(facts, worst, method, cell)


def _for_method(facts: Facts, findings: tuple[Finding, ...], cell: MethodCell) -> Answer:
    method = cell.method
    cause = _cause(facts, findings, cell)
    if isinstance(cause, Finding):
        gateway = _gateway_words(facts, cause, cell)
        if gateway is not None:
            return gateway
        return _from_finding(facts, cause, method, cell)
    if cause == NOT_SUPPORTED:
        observation = facts.answered(method)
        allow = (observation.header("allow") if observation else None) or facts.matrix.allow
        status = cell.status or (405 if allow else 501)
        sentence, fix = not_supported(_stack(facts, method), method, allow, status)
        if not cell.observed:
            sentence += f" (inferred: {cell.source})"
        return _answer(facts, cell, NOT_SUPPORTED, sentence + ".", fix)
    sentence, fix = _no_cause(facts, cell)
    sentence += _unreadable(findings, cell) + _behind_gateway(findings, cell)
    return _answer(facts, cell, None, sentence, fix)


def _behind_gateway(findings: tuple[Finding, ...], cell: MethodCell) -> str:
    """An unknown verb beside a layer that forbids the others we sent: not a verdict
    (the layer may let this one through), but the likeliest reason to check first."""
    gateway = next((f for f in findings if f.rule == "gateway_forbids_method"), None)
    if gateway is None or cell.verdict is not Verdict.UNKNOWN:
        return ""
    return (
        f" If it gets 403, look first at what forbids the others: {gateway.title} "
        "(gateway_forbids_method)."
    )


def _unreadable(findings: tuple[Finding, ...], cell: MethodCell) -> str:
    """A served GET that pages on the declared origin still can't read."""
    blocked = next(
        (f for f in findings if f.rule == "cors_not_enabled" and f.severity is Severity.ERROR),
        None,
    )
    if blocked is None or not _works(cell):
        return ""
    return (
        " Scripts on the declared origin can't read the answer, though: "
        "CORS is not enabled (cors_not_enabled)."
    )


def _cause(facts: Facts, findings: tuple[Finding, ...], cell: MethodCell) -> Finding | str | None:
    method = cell.method
    covering = sorted(
        (f for f in findings if f.rule in _WHOLE or method in f.evidence.methods),
        key=lambda f: (precedence(f.rule), f.severity.rank),
    )
    for finding in covering:
        group = precedence(finding.rule)
        if group == _CORS_GROUP and not _works(cell):
            continue  # a preflight for a method the route refuses fails by routing
        if group == _CORS_GROUP and finding.severity is Severity.INFO:
            continue  # info: nothing a browser on a declared origin runs into
        if group == _CORS_GROUP and method in _NO_PREFLIGHT:
            continue  # said beside the answer instead (_unreadable)
        if group > _CORS_GROUP and (_works(cell) or finding.rule not in _SAYS_IT_WRONG):
            continue  # Allow hygiene is not why a served method fails
        return finding
    if cell.verdict is Verdict.REJECTED:
        return NOT_SUPPORTED
    if cell.note or (_works(cell) and method in UNSAFE_METHODS and _serves_any_method(facts)):
        # Answered like the made-up verb, or where the made-up verb is served as GET (a
        # catch-all, a static file server): not proof that a handler for the method exists.
        return next((f for f in findings if f.rule == "unknown_method_not_501"), None)
    return None


def _serves_any_method(facts: Facts) -> bool:
    made_up = facts.unknown
    return made_up is not None and made_up.status is not None and 200 <= made_up.status < 300


def _works(cell: MethodCell) -> bool:
    return cell.verdict is Verdict.ACCEPTED and not cell.note


def _gateway_words(facts: Facts, finding: Finding, cell: MethodCell) -> Answer | None:
    if finding.rule != "gateway_forbids_method":
        return None
    layer = facts.layers.get(facts.probe_for(cell.method))
    inferred = ""
    if layer is None and cell.basis is Basis.INFERRED and facts.unknown is not None:
        # Not sent: the rule that forbade the made-up verb stands for it (gateway.py).
        layer = facts.layers.get(facts.unknown.probe)
        inferred = f" (inferred: {cell.source})"
    if layer is None or not layer.certain:
        return None
    words = gateway_forbids(layer.stack, cell.method, layer.label, cell.status)
    if words is None:
        return None
    return _answer(facts, cell, finding.rule, words[0] + inferred + ".", words[1])


def _from_finding(
    facts: Facts, finding: Finding, method: str | None, cell: MethodCell | None
) -> Answer:
    probe = _probe(facts, finding, method)
    layer = facts.layers.get(facts.probe_for(method)) if method else None
    return Answer(
        method=method,
        verdict=cell.verdict.value if cell else "unknown",
        status=cell.status if cell else None,
        cause=finding.rule,
        layer=_layer_label(layer) or finding.evidence.layer,
        sentence=finding.title + ".",
        fix=finding.fix[0] if finding.fix else finding.explanation,
        reproduce=curl_for(facts.report, probe) if probe else "",
    )


def _probe(facts: Facts, finding: Finding, method: str | None) -> str | None:
    """The probe that shows the cause: the preflight for a CORS cause."""
    if method and precedence(finding.rule) == _CORS_GROUP:
        preflight = f"preflight:{method}"
        if facts.report.get(preflight) is not None:
            return preflight
    if method and facts.answered(method) is not None:
        return facts.probe_for(method)
    return next((p for p, _ in finding.evidence.statuses), None)


def _no_cause(facts: Facts, cell: MethodCell) -> tuple[str, str]:
    method, status = cell.method, cell.status
    if not cell.observed and cell.verdict is Verdict.UNKNOWN:
        return (
            f"{method} was not sent and nothing tells its answer ({cell.source}).",
            f"Probe with the full policy, or send {method} once yourself with the curl line "
            "(it may change data).",
        )
    if cell.verdict is Verdict.ACCEPTED:
        how = f"answered {status}" if status is not None else f"inferred from {cell.source}"
        return (f"{method} works: the resource {how}.", "")
    layer = facts.layers.get(facts.probe_for(method))
    if cell.verdict is Verdict.FORBIDDEN and layer is not None and layer.is_gateway:
        return (
            f"{method} is refused with 403 by {layer.label}, a layer in front of the "
            "application, for a reason its rules or credentials hold.",
            f"Check {layer.label}'s rules for this URL and method, or the credentials it expects.",
        )
    if cell.verdict is Verdict.FORBIDDEN:
        return (
            f"{method} reaches the application, which refuses it with 403: authorisation "
            "(permissions, a CSRF check), not a method problem.",
            "Send the credentials or token the application expects for this method.",
        )
    if cell.verdict is Verdict.AUTH_REQUIRED:
        return (
            f"{method} needs credentials ({status}): routing can't be judged without them.",
            "Add the credentials the API expects to the target's headers.",
        )
    if cell.verdict is Verdict.REDIRECTED:
        location = facts.plain[method].header("location") if method in facts.plain else None
        return (
            f"{method} is redirected ({status}) to {location or 'another URL'}.",
            "Call the final URL directly.",
        )
    if cell.verdict is Verdict.NOT_FOUND:
        return (f"{method} gets 404 here.", "Check the path and the route's methods.")
    return (f"{method}: {cell.verdict.value} ({status}).", "")


def _answer(facts: Facts, cell: MethodCell, cause: str | None, sentence: str, fix: str) -> Answer:
    # A phantom cell's line goes to the phantom id, never the sample's URL.
    probe = facts.probe_for(cell.method) if facts.answered(cell.method) else None
    return Answer(
        method=cell.method,
        verdict=cell.verdict.value,
        status=cell.status,
        cause=cause,
        layer=_layer_label(facts.layers.get(facts.probe_for(cell.method))),
        sentence=sentence,
        fix=fix,
        reproduce=curl_for(facts.report, probe or cell.method),
    )


def _stack(facts: Facts, method: str) -> Stack:
    layer = facts.layers.get(facts.probe_for(method))
    if layer is not None and layer.stack is not Stack.UNKNOWN:
        return layer.stack
    return facts.stack


def _layer_label(layer: Layer | None) -> str | None:
    return f"{layer.label} ({layer.clue})" if layer is not None else None
