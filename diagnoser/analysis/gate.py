"""What a CI gate judges, whatever it prints: subjects (a URL, or an endpoint of a drift
check) with their findings, fingerprints that stay the same from run to run, and which
findings a baseline already accepts.

Formats (text, JSON, JUnit, SARIF) read a `GateResult`; none of them decides anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from diagnoser.analysis.model import Finding, Severity


@dataclass(frozen=True)
class Case:
    """One method of one subject, as a JUnit testcase shows it."""

    method: str
    properties: tuple[tuple[str, str], ...] = ()  # e.g. ("status", "405"), ("verdict", ...)


@dataclass(frozen=True)
class Subject:
    """One thing the gate judged."""

    name: str  # what people read: the URL, or "/items/{id}" and its environment
    uri: str  # where it lives: SARIF's artifact location
    # What fingerprints use: the URL template (or the endpoint path and environment),
    # never a timestamp, a sample id or a header value, so a rerun finds the same key.
    key: str
    findings: tuple[Finding, ...]
    cases: tuple[Case, ...]


@dataclass(frozen=True, order=True)
class Entry:
    """One accepted finding in a baseline: a rule on one method of one subject."""

    target: str
    rule: str
    method: str  # "" when the finding names no method (it concerns the whole resource)


def entries_of(subject: Subject, finding: Finding) -> tuple[Entry, ...]:
    methods = sorted(set(finding.evidence.methods)) or [""]
    return tuple(Entry(subject.key, finding.rule, method) for method in methods)


def fingerprint(subject: Subject, finding: Finding) -> str:
    """Stable across runs: the subject's key, the rule and the methods it concerns."""
    parts = [subject.key, finding.rule, *sorted(set(finding.evidence.methods))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def concerns(finding: Finding, method: str) -> bool:
    """A finding that names no method (no route, no answer at all) concerns every one."""
    return not finding.evidence.methods or method in finding.evidence.methods


@dataclass(frozen=True)
class Judged:
    subject: Subject
    finding: Finding
    # Every entry of the finding is in the baseline: accepted, so it does not fail the
    # gate. A finding that gained a method is new for that method, so not baselined.
    baselined: bool


@dataclass(frozen=True)
class GateResult:
    subjects: tuple[Subject, ...]
    judged: tuple[Judged, ...]
    # Baseline entries for subjects judged now that no finding has any more: fixed, or
    # gone with the code; the baseline can be rewritten without them.
    gone: tuple[Entry, ...]
    with_baseline: bool

    def failing(self, threshold: Severity) -> tuple[Judged, ...]:
        return tuple(
            j for j in self.judged if not j.baselined and j.finding.severity.rank <= threshold.rank
        )

    def suppressed(self, threshold: Severity) -> tuple[Judged, ...]:
        return tuple(
            j for j in self.judged if j.baselined and j.finding.severity.rank <= threshold.rank
        )

    def entries(self) -> tuple[Entry, ...]:
        """Today's findings as baseline entries (what --write-baseline records)."""
        return tuple(sorted({e for j in self.judged for e in entries_of(j.subject, j.finding)}))


def judge(subjects: Sequence[Subject], baseline: Iterable[Entry] | None = None) -> GateResult:
    accepted = frozenset(baseline or ())
    judged = tuple(
        Judged(s, f, baselined=bool(accepted) and set(entries_of(s, f)) <= accepted)
        for s in subjects
        for f in s.findings
    )
    seen = {e for j in judged for e in entries_of(j.subject, j.finding)}
    keys = {s.key for s in subjects}
    gone = tuple(sorted(e for e in accepted if e.target in keys and e not in seen))
    return GateResult(tuple(subjects), judged, gone, with_baseline=baseline is not None)
