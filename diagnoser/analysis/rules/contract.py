"""Conformance to the endpoint's declared contract (an OpenAPI document or methods typed
in): what the probes saw against what the document promises its clients.

Only answers count. A method the safe policy did not send is unknown, whatever Allow
suggests, and so is one refused with 401/403: authorisation comes after routing, so it
says nothing about the route. A 404 is the route's "no such method" only when it is the
same answer the made-up verb got (the router's fall-through); otherwise it is the handler
saying the sample object does not exist, which means the method was routed.
"""

from __future__ import annotations

from collections.abc import Collection

from diagnoser.analysis.facts import Facts, same_answer
from diagnoser.analysis.model import Finding, Verdict
from diagnoser.analysis.rules.common import header_evidence, join_methods, make_finding, status_text

# Not required by a contract unless declared: HEAD follows GET (RFC 9110 9.3.2) and
# servers answer OPTIONS for every resource (CORS middleware, Allow).
_IMPLIED = frozenset({"HEAD", "OPTIONS"})


def check(facts: Facts, declared: Collection[str]) -> list[Finding]:
    if not declared:
        return []
    declared = frozenset(declared)
    return [
        *_missing(facts, declared),
        *_undocumented(facts, declared),
        *_not_rejected(facts, declared),
        *_allow_mismatch(facts, declared),
    ]


def _rejected_by_route(facts: Facts, method: str) -> bool:
    answer = facts.answered(method)
    if answer is None or answer.status is None:
        return False
    verdict = facts.verdict(method)
    if verdict is Verdict.REJECTED:
        return True
    if verdict is Verdict.NOT_FOUND:
        unknown = facts.unknown
        return unknown is not None and same_answer(answer, unknown)
    return False


def _answers(facts: Facts, methods: list[str]) -> str:
    return ", ".join(f"{m} {status_text(facts, facts.probe_for(m))}" for m in methods)


def _missing(facts: Facts, declared: frozenset[str]) -> list[Finding]:
    methods = [c.method for c in facts.matrix.cells if c.method in declared]
    missing = [m for m in methods if _rejected_by_route(facts, m)]
    if not missing:
        return []
    return [
        make_finding(
            facts,
            "contract_method_missing",
            title=f"The contract declares {join_methods(missing)}, but the route rejects "
            f"{'it' if len(missing) == 1 else 'them'} ({_answers(facts, missing)})",
            probes=[facts.probe_for(m) for m in missing],
            methods=missing,
            headers=[
                h for m in missing for h in header_evidence(facts, facts.probe_for(m), "allow")
            ],
        )
    ]


def _undocumented(facts: Facts, declared: frozenset[str]) -> list[Finding]:
    exempt = _IMPLIED if "GET" in declared else {"OPTIONS"}
    served = [
        c.method
        for c in facts.matrix.cells
        if c.method not in declared
        and c.method not in exempt
        and c.method != facts.report.unknown_method
        and facts.answered(c.method) is not None
        and facts.served(c.method)
    ]
    if not served:
        return []
    return [
        make_finding(
            facts,
            "undocumented_method_served",
            title=f"{join_methods(served)} {'is' if len(served) == 1 else 'are'} served but "
            f"not in the contract ({', '.join(sorted(declared))})",
            probes=[facts.probe_for(m) for m in served],
            methods=served,
        )
    ]


def _not_rejected(facts: Facts, declared: frozenset[str]) -> list[Finding]:
    """Undeclared, not served, and not refused with 405/501 either: 404, 3xx or 5xx."""
    odd = []
    for cell in facts.matrix.cells:
        method = cell.method
        if method in declared or method in _IMPLIED or method == facts.report.unknown_method:
            continue
        if facts.answered(method) is None or cell.verdict not in (
            Verdict.NOT_FOUND,
            Verdict.REDIRECTED,
            Verdict.ERROR,
        ):
            continue
        odd.append(method)
    if not odd:
        return []
    return [
        make_finding(
            facts,
            "undeclared_method_not_rejected",
            title="Methods outside the contract are not refused with 405: " + _answers(facts, odd),
            probes=[facts.probe_for(m) for m in odd],
            methods=odd,
        )
    ]


def _allow_mismatch(facts: Facts, declared: frozenset[str]) -> list[Finding]:
    source = next((s for s in facts.allow_sources if s.status == 405), None)
    if source is None or not source.allow.methods:
        return []
    allow = set(source.allow.methods) - _IMPLIED
    expected = set(declared) - _IMPLIED
    absent, extra = sorted(expected - allow), sorted(allow - expected)
    if not absent and not extra:
        return []
    parts = []
    if absent:
        parts.append(f"omits declared {join_methods(absent)}")
    if extra:
        parts.append(f"lists undeclared {join_methods(extra)}")
    return [
        make_finding(
            facts,
            "contract_allow_mismatch",
            title=f"The 405's Allow {' and '.join(parts)}",
            probes=[source.probe],
            methods=[*absent, *extra],
            headers=header_evidence(facts, source.probe, "allow"),
        )
    ]
