"""The public JSON document of one diagnosis (``diagnose --json``; docs/json-output.md).

This shape is a public interface: add fields, never rename or remove them, and bump
``schema`` only for a change that breaks readers.
"""

import dataclasses
from typing import Any

from diagnoser.analysis.answer import answer_for
from diagnoser.analysis.model import ChecklistStep, Diagnosis, Severity
from diagnoser.monitoring.serialize import finding_to_json, matrix_to_json, observation_from_json
from diagnoser.probing.model import Observation, ProbeReport

SCHEMA = "diagnoser.diagnosis/1"


def diagnosis_document(
    report: ProbeReport, diagnosis: Diagnosis, *, method: str | None = None
) -> dict[str, Any]:
    """method: the one the user asks about; `answer` is for it, else the worst cause."""
    counts = {s.value: 0 for s in Severity}
    for finding in diagnosis.findings:
        counts[finding.severity.value] += 1
    return {
        "schema": SCHEMA,
        "answer": dataclasses.asdict(answer_for(diagnosis, method)),
        "url": report.target.url,
        "policy": report.target.policy.value,
        "origin": report.target.origin,
        "started_at": report.started_at.isoformat(),
        "elapsed_ms": round(report.elapsed_ms, 1),
        "unknown_method": report.unknown_method,
        "observations": [_observation(o) for o in report.observations],
        "matrix": matrix_to_json(diagnosis.matrix),
        "findings": [finding_to_json(f) for f in diagnosis.findings],
        # What our probing did: never counted in summary, --fail-on, alerts or drift.
        "notes": [finding_to_json(f) for f in diagnosis.notes],
        "summary": counts,
        "checklist": [_step(s) for s in diagnosis.checklist],
    }


def _observation(observation: Observation) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for name, value in observation.headers:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return {
        "probe": observation.probe,
        "kind": observation.kind.value,
        "method": observation.method,
        "status": observation.status,
        "reason": observation.reason,
        "headers": headers,
        "body_bytes": observation.body_bytes,
        "body_truncated": observation.body_truncated,
        "body_excerpt": observation.body_excerpt,
        "elapsed_ms": round(observation.elapsed_ms, 1),
        "error": observation.error,
        "error_kind": observation.error_kind.value if observation.error_kind else None,
        "peer_address": observation.peer_address,
        "url": observation.url,
    }


def observation_from_document(data: dict[str, Any]) -> Observation:
    """An observation of a document back as the engine's dataclass, for pages that show
    a frozen document; what it does not carry (the request headers sent) stays empty."""
    return observation_from_json(
        {
            **data,
            "headers": list(data["headers"].items()),
            "request_headers": [],
            "peer_address": data.get("peer_address"),
        }
    )


def _step(step: ChecklistStep) -> dict[str, Any]:
    return {
        "title": step.title,
        "detail": step.detail,
        "state": step.state,
        "rule": step.rule,
        "severity": step.severity.value if step.severity else None,
        "commands": list(step.commands),
    }
