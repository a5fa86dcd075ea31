"""The service page's grid: endpoints x environments, each cell summarising the latest
run (accepted methods, worst finding, when), with environments that disagree marked."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator

from diagnoser.analysis.drift import compare
from diagnoser.analysis.model import MethodMatrix, Verdict
from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.serialize import matrix_from_json
from diagnoser.probing.model import PLAIN_METHODS
from diagnoser.web.pages.latest import FindingBrief, brief, latest_of

# Endpoints per page: a page of 3 environments stays a quick read and a quick render.
PER_PAGE = 50


@dataclass(frozen=True)
class Chip:
    method: str
    inferred_from: str  # "" when observed
    accepted: bool  # a rejected method gets a chip only where environments disagree on it
    status: int | None
    differs: bool  # another environment answers this method differently


@dataclass(frozen=True)
class Latest:
    finished_at: datetime
    worst: FindingBrief | None
    matrix: MethodMatrix


@dataclass(frozen=True)
class GridCell:
    environment: Environment
    probed_at: datetime | None
    matrix: MethodMatrix | None
    chips: list[Chip]
    worst: FindingBrief | None
    drift: list[str]  # how this environment differs from the others, one line each


@dataclass(frozen=True)
class GridRow:
    endpoint: Endpoint
    cells: list[GridCell]

    @property
    def drifting(self) -> bool:
        return any(cell.drift for cell in self.cells)


@dataclass(frozen=True)
class Grid:
    environments: list[Environment]
    rows: list[GridRow]
    page: Page[Endpoint]

    @property
    def drifting(self) -> int:
        return sum(1 for row in self.rows if row.drifting)


def chips(matrix: MethodMatrix, differing: frozenset[str] = frozenset()) -> list[Chip]:
    """The accepted methods, and the others that some environment answers differently."""
    return [
        Chip(
            method=cell.method,
            inferred_from="" if cell.observed else cell.source,
            accepted=cell.verdict is Verdict.ACCEPTED,
            status=cell.status,
            differs=method in differing,
        )
        for method in PLAIN_METHODS
        if (cell := matrix.cell(method)) is not None
        and (cell.verdict is Verdict.ACCEPTED or method in differing)
    ]


def drift_lines(
    environments: list[Environment], matrices: dict[int, MethodMatrix]
) -> dict[int, list[tuple[str, str]]]:
    """Per environment id: (method, "PATCH accepted (200) here, rejected (405) in prod"), ..."""
    lines: dict[int, list[tuple[str, str]]] = {env.id: [] for env in environments}
    for i, left in enumerate(environments):
        for right in environments[i + 1 :]:
            if left.id not in matrices or right.id not in matrices:
                continue
            for change in compare(matrices[left.id], matrices[right.id]):
                lines[left.id].append(
                    (
                        change.method,
                        f"{change.method} {change.before} ({change.before_status or 'inferred'})"
                        f" here, {change.after} ({change.after_status or 'inferred'}) in "
                        f"{right.name}",
                    )
                )
                lines[right.id].append(
                    (
                        change.method,
                        f"{change.method} {change.after} ({change.after_status or 'inferred'})"
                        f" here, {change.before} ({change.before_status or 'inferred'}) in "
                        f"{left.name}",
                    )
                )
    return lines


def _row(
    endpoint: Endpoint,
    environments: list[Environment],
    latest: dict[int, Latest],
) -> GridRow:
    drift = drift_lines(environments, {env_id: run.matrix for env_id, run in latest.items()})
    cells = []
    for env in environments:
        run = latest.get(env.id)
        cells.append(
            GridCell(
                environment=env,
                probed_at=run.finished_at if run else None,
                matrix=run.matrix if run else None,
                chips=chips(run.matrix, frozenset(m for m, _ in drift[env.id])) if run else [],
                worst=run.worst if run else None,
                drift=[line for _, line in drift[env.id]],
            )
        )
    return GridRow(endpoint, cells)


def service_grid(*, service: Service, page_number: str | int | None = None) -> Grid:
    """One page of endpoints in four queries whatever the service holds; each stored
    matrix is parsed once."""
    environments = list(service.environments.all())
    page = Paginator(Endpoint.objects.filter(service=service).order_by("path"), PER_PAGE).get_page(
        page_number
    )
    endpoints = list(page.object_list)
    runs = latest_of(endpoints=Endpoint.objects.filter(id__in=[e.id for e in endpoints]))
    latest: dict[int, dict[int, Latest]] = {}
    for endpoint_id, environment_id, finished_at, matrix, *worst in runs.values_list(
        "endpoint_id",
        "environment_id",
        "finished_at",
        "observation__matrix",
        "worst_severity",
        "worst_rule",
        "worst_title",
    ):
        latest.setdefault(endpoint_id, {})[environment_id] = Latest(
            finished_at, brief(*worst), matrix_from_json(matrix)
        )
    rows = [_row(endpoint, environments, latest.get(endpoint.id, {})) for endpoint in endpoints]
    return Grid(environments=environments, rows=rows, page=page)
