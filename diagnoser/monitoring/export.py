"""The public JSON document of one diagnosis (``diagnose --json``; docs/json-output.md).

This shape is a public interface: add fields, never rename or remove them, and bump
``schema`` only for a change that breaks readers.
"""

from typing import Any

from diagnoser.analysis.model import ChecklistStep, Diagnosis, Severity
from diagnoser.monitoring.serialize import finding_to_json, matrix_to_json
from diagnoser.probing.model import Observation, ProbeReport

SCHEMA = "diagnoser.diagnosis/1"


def diagnosis_document(report: ProbeReport, diagnosis: Diagnosis) -> dict[str, Any]:
    counts = {s.value: 0 for s in Severity}
    for finding in diagnosis.findings:
        counts[finding.severity.value] += 1
    return {
        "schema": SCHEMA,
        "url": report.target.url,
        "policy": report.target.policy.value,
        "origin": report.target.origin,
        "started_at": report.started_at.isoformat(),
        "elapsed_ms": round(report.elapsed_ms, 1),
        "unknown_method": report.unknown_method,
        "observations": [_observation(o) for o in report.observations],
        "matrix": matrix_to_json(diagnosis.matrix),
        "findings": [finding_to_json(f) for f in diagnosis.findings],
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


def _step(step: ChecklistStep) -> dict[str, Any]:
    return {
        "title": step.title,
        "detail": step.detail,
        "state": step.state,
        "rule": step.rule,
        "severity": step.severity.value if step.severity else None,
        "commands": list(step.commands),
    }
