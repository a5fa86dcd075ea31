"""A stored observation turned back into the analysis vocabulary: what the endpoint page,
the run permalink and shared snapshots show.

Findings are shown as they were stored (frozen with the run); the checklist is not
stored, so it is rebuilt from the stored observations and those same findings.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from diagnoser.analysis.checklist import build_checklist
from diagnoser.analysis.facts import read_facts
from diagnoser.analysis.model import ChecklistStep, Finding, MethodMatrix
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
    *, observation: StoredObservation, findings: Iterable[StoredFinding]
) -> StoredDiagnosis:
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
    ordered = tuple(
        sorted(
            (finding_from_row(f) for f in findings),
            key=lambda f: f.severity.rank,
        )
    )
    return StoredDiagnosis(
        report=report,
        matrix=matrix_from_json(observation.matrix),
        findings=ordered,
        checklist=build_checklist(read_facts(report), ordered),
    )
