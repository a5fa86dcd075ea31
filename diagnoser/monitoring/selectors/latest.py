"""Reads of each target's newest finished run, for the overview, service, endpoint and
drift pages.

run_record keeps a LatestRun row per (endpoint, environment) with the run's finish time,
observation, method verdicts and worst finding, so what a page shows of any set of
endpoints is one read of that table: a page's query count does not grow with endpoints
or environments, and no statement reads a target's history.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from diagnoser.analysis.model import MethodMatrix
from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import LatestRun, ProbeRun
from diagnoser.monitoring.serialize import matrix_from_json

# (endpoint id, environment id, finished at, worst severity, rule, title: "" for none)
WorstRow = tuple[int, int, datetime, str, str, str]


def latest_of(*, endpoints: QuerySet[Endpoint]) -> QuerySet[LatestRun]:
    """The latest done run of every target of these endpoints (not yet evaluated)."""
    return LatestRun.objects.filter(endpoint_id__in=endpoints.order_by().values("id"))


def latest_runs(*, service: Service) -> QuerySet[ProbeRun]:
    """The newest finished run of every target of a service (one query, via LatestRun)."""
    newest = LatestRun.objects.filter(endpoint__service=service).values("run_id")
    return ProbeRun.objects.filter(id__in=newest).select_related(
        "endpoint", "environment", "observation"
    )


def endpoint_latest_runs(*, endpoint: Endpoint) -> QuerySet[ProbeRun]:
    """An endpoint's newest finished run in each environment, in environment order."""
    newest = LatestRun.objects.filter(endpoint=endpoint).values("run_id")
    return (
        ProbeRun.objects.filter(id__in=newest)
        .select_related("endpoint__service", "environment", "observation")
        .order_by("environment__position", "environment__name")
    )


def latest_worst(*, endpoint_ids: list[int]) -> list[WorstRow]:
    """Each target's newest finish time and worst finding, for these endpoints."""
    latest = latest_of(endpoints=Endpoint.objects.filter(id__in=endpoint_ids))
    return list(
        latest.values_list(
            "endpoint_id",
            "environment_id",
            "finished_at",
            "worst_severity",
            "worst_rule",
            "worst_title",
        )
    )


def service_environments(*, service: Service) -> list[Environment]:
    return list(service.environments.all())


def service_endpoints(*, service: Service) -> list[Endpoint]:
    return list(service.endpoints.all())


def endpoint_page(*, service: Service, number: str | int | None, per_page: int) -> Page[Endpoint]:
    """One page of the service's endpoints by path (a count and a read)."""
    endpoints = Endpoint.objects.filter(service=service).order_by("path")
    return Paginator(endpoints, per_page).get_page(number)


@dataclass(frozen=True)
class LatestResult:
    """A target's newest finished run, as the service grid shows it."""

    endpoint_id: int
    environment_id: int
    finished_at: datetime
    matrix: MethodMatrix
    worst: tuple[str, ...]  # severity, rule, title: "" for none


def latest_results(*, endpoints: list[Endpoint]) -> list[LatestResult]:
    """The newest run of every target of these endpoints, in one query; each stored
    matrix is parsed once."""
    rows = latest_of(endpoints=Endpoint.objects.filter(id__in=[e.id for e in endpoints]))
    return [
        LatestResult(
            endpoint_id, environment_id, finished_at, matrix_from_json(matrix), tuple(worst)
        )
        for endpoint_id, environment_id, finished_at, matrix, *worst in rows.values_list(
            "endpoint_id",
            "environment_id",
            "finished_at",
            "observation__matrix",
            "worst_severity",
            "worst_rule",
            "worst_title",
        )
    ]
