"""A stored observation turned back into the analysis vocabulary: what the endpoint page,
the run permalink and shared snapshots show.

Findings are shown as they were stored (frozen with the run). The checklist, the answers
and the notes are not stored: the report is rebuilt from the stored observations and
diagnosed again (pure, no query), and the checklist is judged from the stored findings
for the asked method.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from diagnoser.analysis.catalog import NOTE_RULES
from diagnoser.analysis.checklist import build_checklist
from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.facts import read_facts
from diagnoser.analysis.model import Answer, ChecklistStep, Diagnosis, Finding, MethodMatrix
from diagnoser.monitoring.models import StoredFinding, StoredObservation
from diagnoser.monitoring.serialize import (
    finding_from_json,
    matrix_from_json,
    observation_from_json,
)
from diagnoser.probing.model import (
    PLAIN_METHODS,
    UNKNOWN_METHOD,
    Observation,
    ProbeKind,
    ProbePolicy,
    ProbeReport,
    Target,
)

# Headers the engine adds to every request; the rest of what GET carried came from the
# environment (secret values were redacted before they were stored).
_ENGINE_HEADERS = frozenset({"user-agent", "accept", "accept-encoding", "origin"})


@dataclass(frozen=True)
class StoredDiagnosis:
    report: ProbeReport
    matrix: MethodMatrix
    findings: tuple[Finding, ...]
    checklist: tuple[ChecklistStep, ...]
    notes: tuple[Finding, ...] = ()
    answers: tuple[Answer, ...] = ()
    answer: Answer | None = None

    @property
    def diagnosis(self) -> Diagnosis:
        return Diagnosis(
            matrix=self.matrix,
            findings=self.findings,
            checklist=self.checklist,
            notes=self.notes,
            answers=self.answers,
            answer=self.answer,
        )


def finding_from_row(row: StoredFinding) -> Finding:
    """A stored finding row, read with the same code that reads a finding's JSON."""
    return finding_from_json(
        {
            "rule": row.rule,
            "severity": row.severity,
            "title": row.title,
            "explanation": row.explanation,
            "evidence": row.evidence,
            "fix": row.fix,
            "reproduce": row.reproduce,
        }
    )


def _target(url: str, policy: str, observations: tuple[Observation, ...]) -> Target:
    get = next((o for o in observations if o.probe == "GET"), None)
    sent = get.request_headers if get is not None else ()
    origin = next((v for n, v in sent if n.lower() == "origin"), None)
    headers = tuple((n, v) for n, v in sent if n.lower() not in _ENGINE_HEADERS)
    return Target(url=url, headers=headers, origin=origin, policy=ProbePolicy(policy))


def stored_diagnosis(
    *,
    observation: StoredObservation,
    findings: Iterable[StoredFinding],
    declared: Collection[str],
    method: str | None = None,
) -> StoredDiagnosis:
    """method: the one the user asks about; the checklist judges its steps for it.
    declared: the endpoint's contract, so the answers weigh it as the stored findings did."""
    observations = tuple(observation_from_json(o) for o in observation.observations)
    unknown = next(
        (
            o.method
            for o in observations
            if o.kind is ProbeKind.PLAIN and o.method not in PLAIN_METHODS
        ),
        UNKNOWN_METHOD,
    )
    report = ProbeReport(
        target=_target(observation.url, observation.policy, observations),
        observations=observations,
        started_at=observation.created_at,
        elapsed_ms=0.0,
        unknown_method=unknown,
        notes=tuple(observation.notes),
    )
    stored = [finding_from_row(f) for f in findings]
    # Rows stored before notes were set apart may hold one: it is shown as a note.
    ordered = tuple(
        sorted((f for f in stored if f.rule not in NOTE_RULES), key=lambda f: f.severity.rank)
    )
    fresh = diagnose(report, method=method, declared=declared)
    noted = {n.rule for n in fresh.notes}
    notes = fresh.notes + tuple(f for f in stored if f.rule in NOTE_RULES and f.rule not in noted)
    return StoredDiagnosis(
        report=report,
        matrix=matrix_from_json(observation.matrix),
        findings=ordered,
        checklist=build_checklist(read_facts(report), ordered, method=method),
        notes=notes,
        answers=fresh.answers,
        answer=fresh.answer,
    )
