"""Environments side by side per endpoint, from each target's latest run, built once here
so the template loops once. A method is highlighted where environments disagree about it
(env_allow_drift's comparison), an Allow or Access-Control-Allow-Methods where its method
set differs from another environment's."""

from dataclasses import dataclass
from datetime import datetime

from diagnoser.analysis.drift import advertised_drift, environment_drift
from diagnoser.analysis.model import Finding, MethodMatrix, Verdict
from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import DriftCheck, DriftReport
from diagnoser.monitoring.selectors import (
    drift_checks_with_last_report,
    latest_runs,
    service_endpoints,
    service_environments,
)
from diagnoser.monitoring.serialize import matrix_from_json
from diagnoser.monitoring.services.drift_schedules import format_every
from diagnoser.presentation.verdicts import verdict_class, verdict_label
from diagnoser.probing.model import PLAIN_METHODS
from diagnoser.web.drift.schedule import NextRun, next_run


@dataclass(frozen=True)
class Chip:
    method: str
    accepted: bool
    differs: bool  # environments disagree about this method
    observed: bool  # False: inferred (safe policy)
    label: str  # the method, with the status when it is not accepted
    title: str
    css: str = ""  # a method not accepted: its verdict's colour


@dataclass(frozen=True)
class EnvCell:
    environment: Environment
    probed: bool
    chips: tuple[Chip, ...] = ()
    allow: str | None = None
    allow_differs: bool = False
    allow_methods: str | None = None
    allow_methods_differs: bool = False
    run_id: int | None = None
    finished_at: datetime | None = None

    @property
    def differs(self) -> bool:
        return (
            self.allow_differs or self.allow_methods_differs or any(c.differs for c in self.chips)
        )


@dataclass(frozen=True)
class DriftRow:
    endpoint: Endpoint
    cells: tuple[EnvCell, ...]
    findings: tuple[Finding, ...]  # env_allow_drift, at most one


def drift_rows(*, service: Service) -> tuple[list[Environment], list[DriftRow]]:
    environments = service_environments(service=service)
    names = {e.id: e.name for e in environments}
    runs = {(r.endpoint_id, r.environment_id): r for r in latest_runs(service=service)}
    rows = []
    for endpoint in service_endpoints(service=service):
        matrices: dict[int, MethodMatrix] = {}
        for environment in environments:
            run = runs.get((endpoint.id, environment.id))
            if run is not None and run.observation is not None:
                matrices[environment.id] = matrix_from_json(run.observation.matrix)
        findings = environment_drift({names[i]: m for i, m in matrices.items()})
        differing = {m for f in findings for m in f.evidence.methods}
        allow_differs = advertised_drift(matrices, "allow")
        acam_differs = advertised_drift(matrices, "allow_methods")
        cells = []
        for environment in environments:
            matrix = matrices.get(environment.id)
            if matrix is None:
                cells.append(EnvCell(environment=environment, probed=False))
                continue
            run = runs[(endpoint.id, environment.id)]
            cells.append(
                EnvCell(
                    environment=environment,
                    probed=True,
                    chips=_chips(matrix, differing),
                    allow=matrix.allow,
                    allow_differs=environment.id in allow_differs,
                    allow_methods=matrix.allow_methods,
                    allow_methods_differs=environment.id in acam_differs,
                    run_id=run.id,
                    finished_at=run.finished_at,
                )
            )
        rows.append(DriftRow(endpoint=endpoint, cells=tuple(cells), findings=findings))
    return environments, rows


def _chips(matrix: MethodMatrix, differing: set[str]) -> tuple[Chip, ...]:
    chips = []
    for method in PLAIN_METHODS:
        cell = matrix.cell(method)
        if cell is None:
            continue
        accepted = cell.verdict is Verdict.ACCEPTED
        if not accepted and method not in differing:
            continue
        status = f" {cell.status}" if cell.status is not None else ""
        title = f"{method}: {verdict_label(cell.verdict)}{status}"
        if not cell.observed:
            title += f" (not sent, inferred from {cell.source or 'nothing'})"
        if method in differing:
            title += "; environments disagree about this method"
        chips.append(
            Chip(
                method=method,
                accepted=accepted,
                differs=method in differing,
                observed=cell.observed,
                label=method if accepted else f"{method}{status or ' ' + cell.verdict.value}",
                title=title,
                css="" if accepted else verdict_class(cell.verdict),
            )
        )
    return tuple(chips)


@dataclass(frozen=True)
class CheckRow:
    check: DriftCheck
    schedule: str
    selection: str
    last_report: DriftReport | None
    next_run: NextRun


def schedule_text(check: DriftCheck) -> str:
    if check.crontab:
        return f"cron {check.crontab}"
    if check.every_seconds:
        return f"every {format_every(check.every_seconds)}"
    return "by hand only"


def check_rows(*, service: Service) -> list[CheckRow]:
    """Every drift check of the service with its newest report (any state) and next run."""
    return [
        check_row(check, last_report)
        for check, last_report in drift_checks_with_last_report(service=service)
    ]


def check_row(check: DriftCheck, last_report: DriftReport | None) -> CheckRow:
    endpoints = [e.path for e in check.endpoints.all()]
    environments = [e.name for e in check.environments.all()]
    selection = (
        f"{len(endpoints)} endpoint{'s' if len(endpoints) != 1 else ''}"
        if endpoints
        else "whole service"
    ) + (f"; {', '.join(environments)}" if environments else "; all environments")
    return CheckRow(
        check=check,
        schedule=schedule_text(check),
        selection=selection,
        last_report=last_report,
        next_run=next_run(task=check.periodic_task),
    )
