"""Probe and analysis dataclasses to JSON and back, and the content hash that dedupes.

The hash covers what diagnosis depends on: statuses, reasons, the kept headers minus
per-request noise, error kinds. Timings, request ids, body bytes and the address
connected to change on every request and would make every sweep look like a change.
"""

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from diagnoser.analysis.model import (
    Basis,
    Evidence,
    Finding,
    MethodCell,
    MethodMatrix,
    Severity,
    Verdict,
)
from diagnoser.probing.model import (
    PLAIN_METHODS,
    VOLATILE_HEADERS,
    ErrorKind,
    Observation,
    ProbeKind,
)


def observation_to_json(observation: Observation) -> dict[str, Any]:
    cut = {"headers_cut": True} if observation.headers_cut else {}
    # Only when set: rows stored before the flag existed keep their content hash.
    return cut | {
        "probe": observation.probe,
        "kind": observation.kind.value,
        "method": observation.method,
        "status": observation.status,
        "reason": observation.reason,
        "headers": [list(h) for h in observation.headers],
        "body_bytes": observation.body_bytes,
        "body_truncated": observation.body_truncated,
        "body_excerpt": observation.body_excerpt,
        "elapsed_ms": round(observation.elapsed_ms, 1),
        "error_kind": observation.error_kind.value if observation.error_kind else None,
        "error": observation.error,
        "request_headers": [list(h) for h in observation.request_headers],
        "peer_address": observation.peer_address,
        "url": observation.url,
    }


def observation_from_json(data: dict[str, Any]) -> Observation:
    return Observation(
        probe=data["probe"],
        kind=ProbeKind(data["kind"]),
        method=data["method"],
        status=data["status"],
        reason=data["reason"],
        headers=tuple((k, v) for k, v in data["headers"]),
        headers_cut=data.get("headers_cut", False),
        body_bytes=data["body_bytes"],
        body_truncated=data["body_truncated"],
        body_excerpt=data["body_excerpt"],
        elapsed_ms=data["elapsed_ms"],
        error_kind=ErrorKind(data["error_kind"]) if data["error_kind"] else None,
        error=data["error"],
        request_headers=tuple((k, v) for k, v in data["request_headers"]),
        peer_address=data["peer_address"],
        url=data.get("url", ""),
    )


def content_hash(
    observations: Iterable[Observation], *, url: str, policy: str, declared: Iterable[str] = ()
) -> str:
    """declared: the endpoint's contract, whose findings are stored with the answers, so
    a changed contract stores the same answers anew. Without one the hash is as before."""
    essence = [
        [
            o.probe,
            o.status,
            o.reason,
            [[k, v] for k, v in o.headers if k not in VOLATILE_HEADERS],
            o.error_kind.value if o.error_kind else None,
        ]
        for o in observations
    ]
    parts: list[object] = [url, policy, essence]
    if contract := sorted(declared):
        parts.append(contract)
    payload = json.dumps(parts, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def matrix_to_json(matrix: MethodMatrix) -> dict[str, Any]:
    return {
        "cells": [
            {
                "method": c.method,
                "verdict": c.verdict.value,
                "status": c.status,
                "observed": c.observed,
                "basis": str(c.basis),
                "source": c.source,
            }
            for c in matrix.cells
        ],
        "allow": matrix.allow,
        "allow_methods": matrix.allow_methods,
    }


def matrix_from_json(data: dict[str, Any]) -> MethodMatrix:
    return MethodMatrix(
        cells=tuple(
            MethodCell(
                method=c["method"],
                verdict=Verdict(c["verdict"]),
                status=c["status"],
                observed=c["observed"],
                source=c["source"],
                # Matrices stored before cells had a basis derive it from "observed".
                basis=Basis(c["basis"]) if "basis" in c else None,
            )
            for c in data["cells"]
        ),
        allow=data["allow"],
        allow_methods=data["allow_methods"],
    )


def finding_to_json(finding: Finding) -> dict[str, Any]:
    evidence = finding.evidence
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "title": finding.title,
        "explanation": finding.explanation,
        "evidence": {
            "methods": list(evidence.methods),
            "statuses": [list(s) for s in evidence.statuses],
            "headers": [list(h) for h in evidence.headers],
            "layer": evidence.layer,
            "detail": evidence.detail,
        },
        "fix": list(finding.fix),
        "reproduce": list(finding.reproduce),
    }


def finding_from_json(data: dict[str, Any]) -> Finding:
    evidence = data["evidence"]
    return Finding(
        rule=data["rule"],
        severity=Severity(data["severity"]),
        title=data["title"],
        explanation=data["explanation"],
        evidence=Evidence(
            methods=tuple(evidence["methods"]),
            statuses=tuple((p, s) for p, s in evidence["statuses"]),
            headers=tuple((p, h, v) for p, h, v in evidence["headers"]),
            layer=evidence["layer"],
            detail=evidence["detail"],
        ),
        fix=tuple(data["fix"]),
        reproduce=tuple(data["reproduce"]),
    )


def verdicts_to_text(matrix: dict[str, Any]) -> str:
    """Each plain method's verdict and status from a stored matrix, as
    "GET=accepted:200 POST=rejected:405 ...": LatestRun keeps it so a page can compare
    thousands of targets' environments without loading their matrices."""
    return " ".join(
        f"{c['method']}={c['verdict']}:{'' if c['status'] is None else c['status']}"
        for c in matrix["cells"]
        if c["method"] in PLAIN_METHODS
    )


def matrix_from_verdicts(text: str) -> MethodMatrix:
    """The verdicts as a matrix analysis.drift.compare can read (no Allow, no sources)."""
    cells = []
    for item in text.split():
        method, _, rest = item.partition("=")
        verdict, _, status = rest.partition(":")
        cells.append(
            MethodCell(
                method=method,
                verdict=Verdict(verdict),
                status=int(status) if status else None,
                observed=True,
                source="",
            )
        )
    return MethodMatrix(cells=tuple(cells))
