"""The overview's rows: services, their environments, and per endpoint the worst
finding, whether its environments drift, and the newest probe across environments.

A workspace may hold thousands of endpoints: each service shows its most troubled
endpoints first, up to a cap, with counts by severity for the rest (the service page
lists them all). Ranking needs only each target's worst severity and verdicts; titles
and probe times are read for the rows shown."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.urls import reverse

from diagnoser.analysis.drift import drifting_methods
from diagnoser.analysis.model import MethodMatrix, Severity
from diagnoser.inventory.models import Environment, Service, Workspace
from diagnoser.monitoring.selectors import (
    latest_worst,
    workspace_endpoints,
    workspace_services,
    workspace_verdicts,
)
from diagnoser.monitoring.serialize import matrix_from_verdicts
from diagnoser.web.pages.latest import RANK, FindingBrief, brief, exact_time
from diagnoser.web.pages.service import answer

ROWS_PER_SERVICE = 25
# Order of the summary and of the rows: problems first, then what is still unknown.
STANDINGS = ("error", "warning", "info", "not probed", "ok")
TITLE_CHARS = 110


@dataclass
class _Target:
    """What the latest runs say about one endpoint, gathered across environments."""

    worst: str = ""  # severity of the worst finding, "" for none
    # (position of the environment in its service, its name, LatestRun.verdicts)
    verdicts: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Ranked:
    endpoint_id: int
    path: str
    target: _Target
    drifting: tuple[str, ...]
    standing: str


@dataclass(frozen=True)
class EndpointRow:
    endpoint_id: int
    path: str
    url: str  # of the endpoint page
    worst: FindingBrief | None
    drifting: tuple[str, ...]  # methods the environments disagree on (rule env_allow_drift)
    sides: tuple[tuple[str, str], ...]  # (environment, LatestRun.verdicts), service order
    last_probed: datetime | None
    standing: str  # one of STANDINGS; drift counts as a warning, as its rule does

    @property
    def probed(self) -> int:
        """Environments with a finished run."""
        return len(self.sides)

    @property
    def probed_title(self) -> str:
        return exact_time(self.last_probed)

    @property
    def short_title(self) -> str:
        title = self.worst.title if self.worst else ""
        return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"

    @property
    def drift(self) -> str:
        """ "PATCH: accepted (200) in staging, rejected (405) in prod; ..." or ""."""
        matrices = [(name, _matrix(text)) for name, text in self.sides]
        return "; ".join(
            f"{method}: "
            + ", ".join(
                f"{answer(cell.verdict, cell.status)} in {name}"
                for name, matrix in matrices
                if (cell := matrix.cell(method)) is not None
            )
            for method in self.drifting
        )


@dataclass(frozen=True)
class ServiceBlock:
    service: Service
    environments: list[Environment]
    endpoints: list[EndpointRow]  # the first ROWS_PER_SERVICE, most troubled first
    total: int
    standings: list[tuple[str, int]] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return self.total - len(self.endpoints)


# Few distinct verdict texts recur across thousands of targets: parse each, and compare
# each set of them, once per process.
@lru_cache(maxsize=4096)
def _matrix(verdicts: str) -> MethodMatrix:
    return matrix_from_verdicts(verdicts)


def drifting(texts: list[str]) -> tuple[str, ...]:
    """Methods with a definite verdict that differs between some two of these targets."""
    distinct = frozenset(texts)
    return _drifting(distinct) if len(distinct) > 1 else ()


@lru_cache(maxsize=4096)
def _drifting(texts: frozenset[str]) -> tuple[str, ...]:
    return drifting_methods({text: _matrix(text) for text in sorted(texts)})


def _standing(worst: str, drift: tuple[str, ...], probed: int) -> str:
    if drift and worst in ("", Severity.INFO):
        return Severity.WARNING.value
    if worst:
        return worst
    return "ok" if probed else "not probed"


def _ranked(workspace: Workspace, places: dict[int, tuple[int, str]]) -> dict[int, list[_Ranked]]:
    """Every endpoint of the workspace by service id, most troubled first."""
    targets: dict[int, _Target] = defaultdict(_Target)
    for endpoint_id, environment_id, verdicts, severity in workspace_verdicts(workspace=workspace):
        target = targets[endpoint_id]
        if severity and (not target.worst or RANK[severity] < RANK[target.worst]):
            target.worst = severity
        target.verdicts.append((*places[environment_id], verdicts))
    ranked: dict[int, list[_Ranked]] = defaultdict(list)
    for endpoint_id, service_id, path in workspace_endpoints(workspace=workspace):
        target = targets.get(endpoint_id) or _Target()
        target.verdicts.sort()
        methods = drifting([text for *_, text in target.verdicts])
        standing = _standing(target.worst, methods, len(target.verdicts))
        ranked[service_id].append(_Ranked(endpoint_id, path, target, methods, standing))
    for rows in ranked.values():
        rows.sort(key=lambda row: (STANDINGS.index(row.standing), row.path))
    return ranked


def _details(
    endpoint_ids: list[int], places: dict[int, tuple[int, str]]
) -> dict[int, tuple[FindingBrief | None, datetime | None]]:
    """Worst finding (the first environment's among equals) and newest probe time."""
    found: dict[int, tuple[FindingBrief | None, datetime | None]] = {}
    rows = latest_worst(endpoint_ids=endpoint_ids)
    for endpoint_id, _, finished_at, *worst in sorted(rows, key=lambda r: places[r[1]]):
        current, newest = found.get(endpoint_id, (None, None))
        finding = brief(*worst)
        if finding and (current is None or RANK[finding.severity] < RANK[current.severity]):
            current = finding
        found[endpoint_id] = (current, max(newest, finished_at) if newest else finished_at)
    return found


def overview_blocks(*, workspace: Workspace) -> list[ServiceBlock]:
    """Five queries whatever the workspace holds; no matrix or finding is loaded."""
    services = workspace_services(workspace=workspace)
    environments = {s.id: list(s.environments.all()) for s in services}
    places = {
        env.id: (position, env.name)
        for envs in environments.values()
        for position, env in enumerate(envs)
    }
    ranked = _ranked(workspace, places)
    shown = {s.id: ranked[s.id][:ROWS_PER_SERVICE] for s in services}
    details = _details([row.endpoint_id for rows in shown.values() for row in rows], places)
    blocks = []
    for service in services:
        counts = Counter(row.standing for row in ranked[service.id])
        rows = []
        for row in shown[service.id]:
            worst, last_probed = details.get(row.endpoint_id, (None, None))
            rows.append(
                EndpointRow(
                    endpoint_id=row.endpoint_id,
                    path=row.path,
                    url=reverse("web:endpoint", args=[service.id, row.endpoint_id]),
                    worst=worst,
                    drifting=row.drifting,
                    sides=tuple((name, text) for _, name, text in row.target.verdicts),
                    last_probed=last_probed,
                    standing=row.standing,
                )
            )
        blocks.append(
            ServiceBlock(
                service=service,
                environments=environments[service.id],
                endpoints=rows,
                total=len(ranked[service.id]),
                standings=[(s, counts[s]) for s in STANDINGS if counts[s]],
            )
        )
    return blocks
