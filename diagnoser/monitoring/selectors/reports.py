"""Reads of drift checks and their reports: the drift page's check list, a report as
the CLI and shared links present it, and a report's environments side by side."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from diagnoser.inventory.models import Service
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun
from diagnoser.monitoring.serialize import matrix_from_json


def drift_checks_with_last_report(
    *, service: Service
) -> list[tuple[DriftCheck, DriftReport | None]]:
    """Every drift check of the service, with its selection, beat entry and newest report
    (any state), in three queries whatever the count."""
    checks = list(
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
    reports = DriftReport.objects.in_bulk([c.last_report_id for c in checks if c.last_report_id])
    return [(check, reports.get(check.last_report_id)) for check in checks]


def archived_drift_checks(*, service: Service) -> QuerySet[DriftCheck]:
    return DriftCheck.all_objects.filter(service=service, archived_at__isnull=False).order_by(
        "name"
    )


def newest_report(*, check: DriftCheck) -> DriftReport | None:
    """The check's newest report, in any state (a running one is news too)."""
    return DriftReport.objects.filter(drift_check=check).order_by("-id").first()


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


@dataclass(frozen=True)
class ComparedRun:
    run_id: int
    endpoint: str
    environment: str
    trigger: str  # why the run was made: schedule, drift_check (queued for a report), manual
    state: str
    queued_at: datetime


def report_runs_compared(*, report: DriftReport) -> list[ComparedRun]:
    """The run the report compared for each target, by endpoint and environment."""
    rows = report.runs.order_by(
        "endpoint__path", "environment__position", "environment__name"
    ).values_list("id", "endpoint__path", "environment__name", "trigger", "state", "queued_at")
    return [ComparedRun(*row) for row in rows]


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
