"""diagnose(report): every single-report rule, ordered, with the checklist."""

from __future__ import annotations

from diagnoser.analysis.catalog import RULE_ORDER
from diagnoser.analysis.checklist import build_checklist
from diagnoser.analysis.facts import read_facts
from diagnoser.analysis.model import Diagnosis, Finding
from diagnoser.analysis.rules import allow, cors, gateway, head, reachability, verbs
from diagnoser.probing.model import ProbeReport


def diagnose(report: ProbeReport) -> Diagnosis:
    facts = read_facts(report)
    findings = reachability.check(facts)
    # A server checks the URL before the method: with no response or no route, every
    # method-level rule would only restate that.
    if not (reachability.all_failed(facts) or reachability.no_route(facts)):
        for family in (allow, head, verbs, gateway, cors):
            findings.extend(family.check(facts))
    ordered = tuple(sorted(findings, key=_rank))
    return Diagnosis(
        matrix=facts.matrix, findings=ordered, checklist=build_checklist(facts, ordered)
    )


def _rank(finding: Finding) -> tuple[int, int]:
    return (finding.severity.rank, RULE_ORDER[finding.rule])
