"""diagnose(report): every single-report rule, resolved into root causes, with the
answer for the method in question and the checklist."""

from __future__ import annotations

from collections.abc import Collection

from diagnoser.analysis.answer import build_answers
from diagnoser.analysis.checklist import build_checklist
from diagnoser.analysis.facts import read_facts
from diagnoser.analysis.model import Diagnosis
from diagnoser.analysis.resolve import resolve
from diagnoser.analysis.rules import allow, contract, cors, gateway, head, reachability, verbs
from diagnoser.probing.model import ProbeReport


def diagnose(
    report: ProbeReport, *, method: str | None = None, declared: Collection[str] = ()
) -> Diagnosis:
    """method: the one the user asks about; the checklist judges its steps for it.
    declared: the endpoint's contract (empty: none), which the conformance rules check."""
    facts = read_facts(report)
    candidates = reachability.check(facts)
    # A server checks the URL before the method: with no response, no route or a
    # request refused before routing, every method-level rule would only restate that.
    if not (
        reachability.all_failed(facts)
        or reachability.no_route(facts)
        or reachability.rejected_before_routing(facts)
    ):
        for family in (allow, head, verbs, gateway, cors):
            candidates.extend(family.check(facts))
        candidates.extend(contract.check(facts, declared))
    findings, notes = resolve(candidates)
    answers, answer = build_answers(facts, findings)
    return Diagnosis(
        matrix=facts.matrix,
        findings=findings,
        checklist=build_checklist(facts, findings, method=method),
        notes=notes,
        answers=answers,
        answer=answer,
    )
