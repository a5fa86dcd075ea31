"""Reads of monitoring history, shaped for the dashboard and the commands."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun, StoredObservation
from diagnoser.monitoring.serialize import matrix_from_json


def latest_runs(*, service: Service) -> QuerySet[ProbeRun]:
    """The newest finished run of every target of a service (one query, index-backed)."""
    newest = (
        ProbeRun.objects.filter(
            endpoint_id=OuterRef("endpoint_id"),
            environment_id=OuterRef("environment_id"),
            state=ProbeRun.State.DONE,
        )
        .order_by("-finished_at")
        .values("id")[:1]
    )
    return (
        ProbeRun.objects.filter(endpoint__service=service, state=ProbeRun.State.DONE)
        .filter(id=Subquery(newest))
        .select_related("endpoint", "environment", "observation")
    )


def latest_run(*, endpoint: Endpoint, environment: Environment) -> ProbeRun | None:
    return (
        ProbeRun.objects.filter(
            endpoint=endpoint, environment=environment, state=ProbeRun.State.DONE
        )
        .order_by("-finished_at")
        .select_related("observation")
        .first()
    )


def latest_report(*, check: DriftCheck) -> DriftReport | None:
    return (
        DriftReport.objects.filter(drift_check=check, state=DriftReport.State.DONE)
        .order_by("-id")
        .first()
    )


@dataclass(frozen=True)
class MethodChange:
    method: str
    at: datetime
    before: str | None  # verdict, None for the first observation
    after: str
    status_before: int | None
    status_after: int | None


def method_timeline(*, endpoint: Endpoint, environment: Environment) -> list[MethodChange]:
    """Every change of a method's verdict for one target, oldest first.

    Observations are stored only when something changed, so this walks few rows.
    """
    changes: list[MethodChange] = []
    last: dict[str, tuple[str, int | None]] = {}
    observations = StoredObservation.objects.filter(
        endpoint=endpoint, environment=environment
    ).order_by("created_at", "id")
    for observation in observations.only("matrix", "created_at").iterator():
        for cell in matrix_from_json(observation.matrix).cells:
            now = (cell.verdict.value, cell.status)
            before = last.get(cell.method)
            if before != now:
                changes.append(
                    MethodChange(
                        method=cell.method,
                        at=observation.created_at,
                        before=before[0] if before else None,
                        after=now[0],
                        status_before=before[1] if before else None,
                        status_after=now[1],
                    )
                )
                last[cell.method] = now
    return changes


def report_as_dict(*, report: DriftReport) -> dict[str, Any]:
    """The report as the CLI's --json and the webhook's structured fields present it."""
    check = report.drift_check
    return {
        "id": report.id,
        "service": check.service.name,
        "check": check.name,
        "trigger": report.trigger,
        "state": report.state,
        "failure_reason": report.failure_reason,
        "drift_present": report.drift_present,
        "created_at": report.created_at.isoformat(),
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        "previous_report": report.previous_id,
        "targets": report.runs.count(),
        "env_drift": report.env_drift,
        "regressions": report.regressions,
        "failures": report.failures,
    }


def method_timelines(*, endpoint: Endpoint) -> dict[int, list[MethodChange]]:
    """method_timeline of every environment of an endpoint, by environment id, in one
    query (the endpoint page shows them all)."""
    changes: dict[int, list[MethodChange]] = {}
    last: dict[tuple[int, str], tuple[str, int | None]] = {}
    observations = StoredObservation.objects.filter(endpoint=endpoint).order_by("created_at", "id")
    for observation in observations.only("matrix", "created_at", "environment_id").iterator():
        timeline = changes.setdefault(observation.environment_id, [])
        for cell in matrix_from_json(observation.matrix).cells:
            now = (cell.verdict.value, cell.status)
            before = last.get((observation.environment_id, cell.method))
            if before != now:
                timeline.append(
                    MethodChange(
                        method=cell.method,
                        at=observation.created_at,
                        before=before[0] if before else None,
                        after=now[0],
                        status_before=before[1] if before else None,
                        status_after=now[1],
                    )
                )
                last[(observation.environment_id, cell.method)] = now
    return changes


@dataclass(frozen=True)
class EnvironmentColumn:
    environment: str
    accepted: tuple[str, ...]  # in matrix (method) order
    allow: str | None
    allow_methods: str | None


@dataclass(frozen=True)
class EndpointRow:
    path: str
    columns: tuple[EnvironmentColumn, ...]  # in the service's environment order

    @property
    def drifts(self) -> bool:
        return len({c.accepted for c in self.columns}) > 1


def report_side_by_side(*, report: DriftReport) -> list[EndpointRow]:
    """Per endpoint, what each environment accepts and advertises, for one report."""
    runs = (
        report.runs.filter(state=ProbeRun.State.DONE, observation__isnull=False)
        .select_related("endpoint", "environment")
        .order_by("endpoint__path", "environment__position", "environment__name")
        .values_list("endpoint__path", "environment__name", "observation__matrix")
    )
    rows: dict[str, list[EnvironmentColumn]] = {}
    for path, environment, matrix_json in runs:
        matrix = matrix_from_json(matrix_json)
        rows.setdefault(path, []).append(
            EnvironmentColumn(
                environment=environment,
                accepted=tuple(c.method for c in matrix.cells if c.method in matrix.accepted),
                allow=matrix.allow,
                allow_methods=matrix.allow_methods,
            )
        )
    return [EndpointRow(path=path, columns=tuple(columns)) for path, columns in rows.items()]
