"""The service page's grid: endpoints x environments, each cell summarising the latest
run (accepted methods, worst finding, when), with environments that disagree marked."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from diagnoser.analysis.drift import pairwise_changes
from diagnoser.analysis.model import MethodCell, MethodMatrix, Verdict
from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.inventory.selectors import environments_with_headers
from diagnoser.monitoring.selectors import endpoint_page, latest_results, service_environments
from diagnoser.monitoring.services.drift_schedules import format_every
from diagnoser.presentation.verdicts import verdict_class, verdict_label
from diagnoser.probing.model import PLAIN_METHODS, ProbePolicy
from diagnoser.probing.plan import describe_policy
from diagnoser.web.pages.latest import FindingBrief, brief, exact_time

# Endpoints per page: a page of 3 environments stays a quick read and a quick render.
PER_PAGE = 50


@dataclass(frozen=True)
class Chip:
    """One method in a cell, spelled out here because a page holds hundreds."""

    label: str  # "GET"; a rejected method, shown only where environments disagree: "PATCH 405"
    css: str  # chip, plus inferred (not sent: safe policy), refused, differs
    title: str


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
    drift: str  # how this environment differs from the others, "; "-separated

    @property
    def probed_title(self) -> str:
        return exact_time(self.probed_at)

    @property
    def chips_html(self) -> SafeString:
        """The chips as markup: a page holds hundreds, a template loop over them is slow."""
        return format_html_join(
            " ",
            '<span class="{}" title="{}">{}</span>',
            ((c.css, c.title, c.label) for c in self.chips),
        )


@dataclass(frozen=True)
class GridRow:
    endpoint: Endpoint
    url: str  # of the endpoint page
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


def _chip(cell: MethodCell, differs: bool) -> Chip:
    accepted = cell.verdict is Verdict.ACCEPTED
    css = ["chip"]
    if not cell.observed:
        css.append("inferred")
        title = f"Inferred, not observed: {cell.source}"
    elif accepted:
        title = f"Observed: the server handled {cell.method}"
    else:
        title = f"Observed: {cell.method} got {cell.status}"
    if not accepted:
        css += ["refused", verdict_class(cell.verdict)]
    if differs:
        css.append("differs")
        title += f"; another environment answers {cell.method} differently"
    label = cell.method if accepted or cell.status is None else f"{cell.method} {cell.status}"
    return Chip(label=label, css=" ".join(css), title=title)


def chips(matrix: MethodMatrix, differing: frozenset[str] = frozenset()) -> list[Chip]:
    """The accepted methods, and the others that some environment answers differently."""
    return [
        _chip(cell, method in differing)
        for method in PLAIN_METHODS
        if (cell := matrix.cell(method)) is not None
        and (cell.verdict is Verdict.ACCEPTED or method in differing)
    ]


def answer(verdict: Verdict, status: int | None) -> str:
    """ "not found (404)"; "inferred" stands in for the status of a method not sent."""
    return f"{verdict_label(verdict)} ({status or 'inferred'})"


def drift_lines(
    environments: list[Environment], matrices: dict[int, MethodMatrix]
) -> dict[int, list[tuple[str, str]]]:
    """Per environment id: (method, "PATCH accepted (200) here, rejected (405) in prod"), ..."""
    lines: dict[int, list[tuple[str, str]]] = {env.id: [] for env in environments}
    names = {env.id: env.name for env in environments}
    in_order = {env.id: matrices[env.id] for env in environments if env.id in matrices}
    for pair in pairwise_changes(in_order):
        change = pair.change
        before = answer(change.before, change.before_status)
        after = answer(change.after, change.after_status)
        lines[pair.left].append(
            (change.method, f"{change.method} {before} here, {after} in {names[pair.right]}")
        )
        lines[pair.right].append(
            (change.method, f"{change.method} {after} here, {before} in {names[pair.left]}")
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
                drift="; ".join(line for _, line in drift[env.id]),
            )
        )
    return GridRow(
        endpoint, reverse("web:endpoint", args=[endpoint.service_id, endpoint.id]), cells
    )


def service_grid(*, service: Service, page_number: str | int | None = None) -> Grid:
    """One page of endpoints in four queries whatever the service holds."""
    environments = service_environments(service=service)
    page = endpoint_page(service=service, number=page_number, per_page=PER_PAGE)
    endpoints = list(page.object_list)
    latest: dict[int, dict[int, Latest]] = {}
    for result in latest_results(endpoints=endpoints):
        latest.setdefault(result.endpoint_id, {})[result.environment_id] = Latest(
            result.finished_at, brief(*result.worst), result.matrix
        )
    rows = [_row(endpoint, environments, latest.get(endpoint.id, {})) for endpoint in endpoints]
    return Grid(environments=environments, rows=rows, page=page)


@dataclass(frozen=True)
class EnvironmentRow:
    """An environment as its service page lists it: what it is probed with and how often."""

    environment: Environment
    policy_title: str  # exactly which requests the policy sends
    schedule: str  # "every 15m (the service's)", "every 1h", "paused"
    headers: list[str]  # "Authorization: …7890", masked


def _schedule(environment: Environment, service: Service) -> str:
    if service.probing_paused:
        return "paused (the service is)"
    if environment.probing_paused:
        return "paused"
    if environment.probe_every is None:
        return f"every {format_every(service.probe_every)} (the service's)"
    return f"every {format_every(environment.probe_every)}"


def environment_rows(*, service: Service) -> list[EnvironmentRow]:
    return [
        EnvironmentRow(
            environment=env,
            policy_title=describe_policy(ProbePolicy(env.probe_policy)),
            schedule=_schedule(env, service),
            headers=[f"{h.name}: {h.masked()}" for h in env.secret_headers.all()],
        )
        for env in environments_with_headers(service=service)
    ]
