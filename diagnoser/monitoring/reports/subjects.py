"""What the gate judges, built from what the commands have: a diagnosis of a URL
(`diagnose`), or a drift report's endpoints (`drift_check`)."""

from collections import defaultdict
from typing import Any

from diagnoser.analysis.gate import Case, Subject
from diagnoser.analysis.model import Basis, Diagnosis, Finding, MethodCell
from diagnoser.monitoring.models import DriftReport
from diagnoser.monitoring.selectors.reports import report_side_by_side
from diagnoser.monitoring.serialize import finding_from_json
from diagnoser.probing.model import ProbeReport


def diagnosis_subject(
    report: ProbeReport, diagnosis: Diagnosis, *, name: str | None = None
) -> Subject:
    """A URL and its matrix; its key is the route template when it was filled from one, so
    the sample id may change without the findings looking new. name: what people read
    when not the URL (an OpenAPI document's path template)."""
    target = report.target
    cases = tuple(
        Case(
            cell.method,
            (
                ("status", _status(cell)),
                ("verdict", cell.verdict.value),
                ("basis", str(cell.basis)),
            ),
        )
        for cell in diagnosis.matrix.cells
    )
    return Subject(
        name=name or target.url,
        uri=target.url,
        key=target.template or target.url,
        findings=diagnosis.findings,
        cases=cases,
    )


def _status(cell: MethodCell) -> str:
    if cell.status is not None:
        return str(cell.status)
    return "no answer" if cell.basis is Basis.OBSERVED else "not sent"


def drift_subjects(report: DriftReport) -> tuple[Subject, ...]:
    """One subject per endpoint (its environments compared), then one per endpoint and
    environment that regressed since the previous report."""
    service = report.drift_check.service.name
    drift: dict[str, list[Finding]] = defaultdict(list)
    for item in report.env_drift:
        drift[item["endpoint"]].append(_finding(item))
    accepted: dict[str, dict[str, list[str]]] = {}
    for row in report_side_by_side(report=report):
        accepted_in = accepted[row.path] = {}
        for column in row.columns:
            for method in column.accepted:
                accepted_in.setdefault(method, []).append(column.environment)
    subjects = []
    for path in sorted(accepted.keys() | drift.keys()):
        findings = tuple(drift.get(path, ()))
        accepted_in = accepted.get(path, {})
        for finding in findings:
            for method in finding.evidence.methods:
                accepted_in.setdefault(method, [])
        cases = tuple(
            Case(method, (("accepted_in", ", ".join(envs) or "none"),))
            for method, envs in accepted_in.items()
        )
        subjects.append(Subject(path, service + path, f"{service}:{path}", findings, cases))
    regressed: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for item in report.regressions:
        regressed[(item["endpoint"], item["environment"])].append(_finding(item))
    for (path, environment), regressions in regressed.items():
        methods = dict.fromkeys(m for f in regressions for m in f.evidence.methods)
        subjects.append(
            Subject(
                name=f"{path} [{environment}]",
                uri=service + path,
                key=f"{service}/{environment}:{path}",
                findings=tuple(regressions),
                cases=tuple(Case(m, (("environment", environment),)) for m in methods),
            )
        )
    return tuple(subjects)


_WHERE = ("endpoint", "environment")


def _finding(item: dict[str, Any]) -> Finding:
    # A report's items are findings with where they were seen added.
    return finding_from_json({k: v for k, v in item.items() if k not in _WHERE})
