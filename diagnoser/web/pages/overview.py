"""The overview's rows: services, their environments, and per endpoint the worst
finding, whether its environments drift, and the newest probe across environments.

A workspace may hold thousands of endpoints: each service shows its most troubled
endpoints first, up to a cap, with counts by severity for the rest (the service page
lists them all)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.db.models import Max

from diagnoser.analysis.drift import compare
from diagnoser.analysis.model import MethodMatrix, Severity
from diagnoser.inventory.models import Endpoint, Environment, Service, Workspace
from diagnoser.monitoring.serialize import matrix_from_verdicts
from diagnoser.probing.model import PLAIN_METHODS
from diagnoser.web.pages.latest import RANK, FindingBrief, brief, latest_of
from diagnoser.web.pages.service import answer

ROWS_PER_SERVICE = 25
# Order of the summary and of the rows: problems first, then what is still unknown.
STANDINGS = ("error", "warning", "info", "not probed", "ok")


@dataclass(frozen=True)
class EndpointRow:
    endpoint_id: int
    path: str
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


@dataclass
class _Target:
    """What the latest runs say about one endpoint, gathered across environments."""

    worst: tuple[str, str, str] | None = None  # (severity, rule, title)
    # (position of the environment in its service, its name, LatestRun.verdicts)
    verdicts: list[tuple[int, str, str]] = field(default_factory=list)


# Few distinct verdict texts recur across thousands of targets: parse and compare each
# once per process.
@lru_cache(maxsize=4096)
def _matrix(verdicts: str) -> MethodMatrix:
    return matrix_from_verdicts(verdicts)


@lru_cache(maxsize=4096)
def _differing(left: str, right: str) -> frozenset[str]:
    return frozenset(change.method for change in compare(_matrix(left), _matrix(right)))


def drifting_methods(texts: list[str]) -> tuple[str, ...]:
    """Methods with a definite verdict that differs between some two of these targets."""
    distinct = frozenset(texts)
    return _drifting(distinct) if len(distinct) > 1 else ()


@lru_cache(maxsize=4096)
def _drifting(texts: frozenset[str]) -> tuple[str, ...]:
    ordered = sorted(texts)
    methods = frozenset[str]().union(
        *(_differing(left, right) for i, left in enumerate(ordered) for right in ordered[i + 1 :])
    )
    return tuple(m for m in PLAIN_METHODS if m in methods)


def _standing(worst: FindingBrief | None, drift: tuple[str, ...], probed: int) -> str:
    if drift and (worst is None or worst.severity is Severity.INFO):
        return Severity.WARNING.value
    if worst is not None:
        return worst.severity.value
    return "ok" if probed else "not probed"


def _block(
    service: Service, environments: list[Environment], rows: list[EndpointRow]
) -> ServiceBlock:
    rows.sort(key=lambda row: (STANDINGS.index(row.standing), row.path))
    counts = Counter(row.standing for row in rows)
    return ServiceBlock(
        service=service,
        environments=environments,
        endpoints=rows[:ROWS_PER_SERVICE],
        total=len(rows),
        standings=[(standing, counts[standing]) for standing in STANDINGS if counts[standing]],
    )


def overview_blocks(*, workspace: Workspace) -> list[ServiceBlock]:
    """Four queries whatever the workspace holds; no matrix or finding is loaded."""
    services = list(Service.objects.filter(workspace=workspace).prefetch_related("environments"))
    environments = {s.id: list(s.environments.all()) for s in services}
    places = {
        env.id: (position, env.name)
        for envs in environments.values()
        for position, env in enumerate(envs)
    }
    endpoints = Endpoint.objects.filter(service__workspace=workspace)
    latest = latest_of(endpoints=endpoints)
    targets: dict[int, _Target] = defaultdict(_Target)
    rows = latest.values_list(
        "endpoint_id", "environment_id", "verdicts", "worst_severity", "worst_rule", "worst_title"
    )
    for endpoint_id, environment_id, verdicts, severity, rule, title in rows:
        target = targets[endpoint_id]
        if severity and (target.worst is None or RANK[severity] < RANK[target.worst[0]]):
            target.worst = (severity, rule, title)
        target.verdicts.append((*places[environment_id], verdicts))
    by_service: dict[int, list[EndpointRow]] = defaultdict(list)
    newest = endpoints.annotate(last_probed=Max("latest_runs__finished_at"))
    for endpoint_id, service_id, path, last_probed in newest.values_list(
        "id", "service_id", "path", "last_probed"
    ):
        target = targets.get(endpoint_id) or _Target()
        sides = tuple((name, text) for _, name, text in sorted(target.verdicts))
        drifting = drifting_methods([text for _, text in sides])
        worst = brief(*target.worst) if target.worst else None
        by_service[service_id].append(
            EndpointRow(
                endpoint_id=endpoint_id,
                path=path,
                worst=worst,
                drifting=drifting,
                sides=sides,
                last_probed=last_probed,
                standing=_standing(worst, drifting, len(sides)),
            )
        )
    return [_block(s, environments[s.id], by_service[s.id]) for s in services]
