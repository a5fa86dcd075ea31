"""Helpers every rule uses to turn facts into a Finding."""

from __future__ import annotations

from collections.abc import Iterable

from diagnoser.analysis.catalog import RULES
from diagnoser.analysis.facts import Facts
from diagnoser.analysis.fixes import fix_steps
from diagnoser.analysis.layers import Stack
from diagnoser.analysis.model import Evidence, Finding, Severity
from diagnoser.analysis.reproduce import curls_for


def make_finding(
    facts: Facts,
    rule: str,
    *,
    title: str,
    probes: Iterable[str],
    methods: Iterable[str] = (),
    headers: Iterable[tuple[str, str, str]] = (),
    layer: str | None = None,
    detail: str = "",
    fix: Iterable[str] = (),
    severity: Severity | None = None,
    stack: Stack | None = None,
) -> Finding:
    probe_list = tuple(dict.fromkeys(probes))
    statuses = tuple(
        (probe, observation.status)
        for probe in probe_list
        if (observation := facts.report.get(probe)) is not None
    )
    info = RULES[rule]
    return Finding(
        rule=rule,
        severity=severity or info.severity,
        title=title,
        explanation=info.explanation,
        evidence=Evidence(
            methods=tuple(dict.fromkeys(methods)),
            statuses=statuses,
            headers=tuple(headers),
            layer=layer,
            detail=detail,
        ),
        fix=fix_steps(rule, stack or facts.stack, *fix),
        reproduce=curls_for(facts.report, [p for p, _ in statuses]),
    )


def header_evidence(facts: Facts, probe: str, *names: str) -> list[tuple[str, str, str]]:
    observation = facts.report.get(probe)
    if observation is None:
        return []
    return [
        (probe, name, value) for name in names if (value := observation.header(name)) is not None
    ]


def status_text(facts: Facts, probe: str) -> str:
    observation = facts.report.get(probe)
    if observation is None:
        return "not sent"
    if observation.status is None:
        return f"no response ({observation.error_kind})"
    return str(observation.status)


def join_methods(methods: Iterable[str]) -> str:
    items = list(methods)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
