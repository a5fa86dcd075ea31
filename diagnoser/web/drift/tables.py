"""Environments side by side per endpoint, from each target's latest run, built once here
so the template loops once. A method is highlighted where environments disagree about it
(env_allow_drift's comparison), an Allow or Access-Control-Allow-Methods where its method
set differs from another environment's."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery

from diagnoser.analysis.drift import environment_drift
from diagnoser.analysis.headers import parse_method_list
from diagnoser.analysis.model import Finding, MethodMatrix, Verdict
from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import DriftCheck, DriftReport
from diagnoser.monitoring.selectors import latest_runs
from diagnoser.monitoring.serialize import matrix_from_json
from diagnoser.monitoring.services.drift import format_every
from diagnoser.presentation.verdicts import verdict_label
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
    environments = list(service.environments.all())
    runs = {(r.endpoint_id, r.environment_id): r for r in latest_runs(service=service)}
    rows = []
    for endpoint in service.endpoints.all():
        matrices: dict[int, MethodMatrix] = {}
        for environment in environments:
            run = runs.get((endpoint.id, environment.id))
            if run is not None and run.observation is not None:
                matrices[environment.id] = matrix_from_json(run.observation.matrix)
        names = {e.id: e.name for e in environments}
        findings = environment_drift({names[i]: m for i, m in matrices.items()})
        differing = {m for f in findings for m in f.evidence.methods}
        allow_sets = _method_sets({i: m.allow for i, m in matrices.items()})
        acam_sets = _method_sets({i: m.allow_methods for i, m in matrices.items()})
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
                    allow_differs=_differs(allow_sets, environment.id),
                    allow_methods=matrix.allow_methods,
                    allow_methods_differs=_differs(acam_sets, environment.id),
                    run_id=run.id,
                    finished_at=run.finished_at,
                )
            )
        rows.append(DriftRow(endpoint=endpoint, cells=tuple(cells), findings=findings))
    return environments, rows


def _method_sets(values: dict[int, str | None]) -> dict[int, frozenset[str] | None]:
    return {i: parse_method_list(v).methods if v is not None else None for i, v in values.items()}


def _differs(sets: dict[int, frozenset[str] | None], environment_id: int) -> bool:
    """Whether this environment's list differs from any other probed environment's."""
    mine = sets[environment_id]
    return any(other != mine for i, other in sets.items() if i != environment_id)


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
    checks = (
        DriftCheck.objects.filter(service=service)
        .select_related("service", "periodic_task__interval", "periodic_task__crontab")
        .prefetch_related("endpoints", "environments")
        .annotate(
            last_report_id=Subquery(
                DriftReport.objects.filter(drift_check=OuterRef("pk"))
                .order_by("-id")
                .values("id")[:1]
            )
        )
    )
    checks_list = list(checks)
    reports = DriftReport.objects.in_bulk(
        [c.last_report_id for c in checks_list if c.last_report_id]
    )
    return [check_row(check, reports.get(check.last_report_id)) for check in checks_list]


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
