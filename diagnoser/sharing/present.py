"""Shape a frozen document into the rows the public page and the Markdown export show.

The rows are the presentation package's cells, the same the member pages show, so the
HTML template and the Markdown writer never work out statuses, layers or groupings.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from diagnoser.analysis.model import Severity
from diagnoser.presentation.answer import AnswerPanel, answer_panel
from diagnoser.presentation.build import document_cells, method_table, preflight_table
from diagnoser.presentation.cells import Cell
from diagnoser.presentation.tables import Table


@dataclass(frozen=True)
class RunView:
    service: str
    endpoint: str
    environment: str
    url: str
    policy: str
    origin: str | None
    probed_at: datetime
    summary: dict[str, int]
    # None in snapshots frozen before diagnoses carried an answer.
    answer: AnswerPanel | None
    notes: list[dict[str, Any]]  # what our probing did: shown beside the policy, never counted
    allow: str | None
    allow_methods: str | None
    methods: list[Cell]  # the plain methods of the matrix, observed or inferred
    preflights: list[Cell]
    responses: list[Cell]  # every request sent, in order
    method_table: Table
    preflight_table: Table
    findings: list[dict[str, Any]]
    finding_groups: list[dict[str, Any]]  # [{"severity", "findings"}], most severe first
    checklist: list[dict[str, Any]]
    bodies_withheld: bool = False  # the target is probed with secret headers


@dataclass(frozen=True)
class DriftView:
    service: str
    check: str
    report_id: int
    state: str
    failure_reason: str
    drift_present: bool
    created_at: datetime
    finished_at: datetime | None
    env_drift: list[dict[str, Any]]  # findings with "endpoint"
    regressions: list[dict[str, Any]]  # findings with "endpoint" and "environment"
    failures: list[dict[str, Any]]
    # For the page: [{"where": "/items/{id} in prod", "groups": severity_groups}]
    env_drift_sections: list[dict[str, Any]]
    regression_sections: list[dict[str, Any]]


def severity_groups(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = [
        {"severity": s.value, "findings": [f for f in findings if f["severity"] == s.value]}
        for s in sorted(Severity, key=lambda s: s.rank)
    ]
    return [g for g in groups if g["findings"]]


def _answer(document: dict[str, Any]) -> AnswerPanel | None:
    answer = document.get("answer")
    if answer is None or (answer["method"] is None and answer["verdict"] == "unknown"):
        return None  # frozen before stored runs were diagnosed again: nothing to lead with
    rules = (f["rule"] for f in document["findings"])
    return answer_panel(answer, finding_rules=rules, overall=True)


def _copied(document: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The fields a view shows as the snapshot froze them, under the same names."""
    return {key: document[key] for key in keys}


def run_view(document: dict[str, Any]) -> RunView:
    methods, preflights, responses = document_cells(document)
    return RunView(
        **_copied(document, "service", "endpoint", "environment", "url", "policy", "origin"),
        probed_at=datetime.fromisoformat(document["started_at"]),
        summary=document["summary"],
        answer=_answer(document),
        notes=document.get("notes", []),
        allow=document["matrix"]["allow"],
        allow_methods=document["matrix"]["allow_methods"],
        methods=methods,
        preflights=preflights,
        responses=responses,
        method_table=method_table(methods),
        preflight_table=preflight_table(preflights),
        findings=document["findings"],
        finding_groups=severity_groups(document["findings"]),
        checklist=document["checklist"],
        bodies_withheld=document.get("bodies_withheld", False),
    )


def endpoint_views(document: dict[str, Any]) -> list[RunView]:
    """An endpoint snapshot's environments, each as a run's view."""
    return [run_view(part) for part in document["environments"]]


def drift_view(document: dict[str, Any]) -> DriftView:
    finished = document["finished_at"]
    return DriftView(
        **_copied(document, "service", "check", "state", "failure_reason", "drift_present"),
        report_id=document["id"],
        created_at=datetime.fromisoformat(document["created_at"]),
        finished_at=datetime.fromisoformat(finished) if finished else None,
        env_drift=document["env_drift"],
        regressions=document["regressions"],
        failures=document["failures"],
        env_drift_sections=[
            {"where": f["endpoint"], "groups": severity_groups([f])} for f in document["env_drift"]
        ],
        regression_sections=[
            {"where": f"{f['endpoint']} in {f['environment']}", "groups": severity_groups([f])}
            for f in document["regressions"]
        ],
    )
