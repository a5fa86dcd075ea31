"""The overview's targets (endpoint x environment of its service): searched, filtered,
sorted and counted in SQL, one page at a time.

The same reads whatever the workspace holds and whichever filters are set: the
workspace's verdicts (drift is computed from them in Python, as everywhere), one
statement counting targets per (service, environment, standing, drift), from which each
filter choice's count (the other filters kept) and the total are summed, one counting
targets per rule, and one page of rows. Only drift is decided in Python; the drifting
endpoints then go into SQL as a list of ids.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat, Replace

from diagnoser.analysis.drift import drifting_methods
from diagnoser.analysis.model import MethodMatrix
from diagnoser.inventory.models import Endpoint, Environment, Workspace
from diagnoser.monitoring.models import LatestRun, StoredFinding
from diagnoser.monitoring.serialize import matrix_from_verdicts

# A target's standing by its latest run's worst finding, worst first.
SEVERITIES = ("error", "warning", "info", "ok", "not probed")
SORTS = {
    "severity": "worst severity first",
    "service": "service, endpoint, environment",
    "probed": "least recently probed first",
    "drift": "drifting first",
}
PER_PAGE = 50


@dataclass(frozen=True)
class OverviewQuery:
    """What the overview's GET parameters ask for; empty means no filter."""

    search: str = ""
    service: int | None = None
    environment: str = ""
    severity: str = ""
    rule: str = ""
    drifting: bool = False
    sort: str = "severity"
    page: int = 1


@dataclass(frozen=True)
class TargetRow:
    endpoint_id: int
    service_id: int
    service: str
    path: str
    environment_id: int
    environment: str
    is_production: bool
    standing: str  # one of SEVERITIES
    drifting: bool  # the endpoint's environments disagree on a method, this one probed


@dataclass(frozen=True)
class OverviewPage:
    rows: list[TargetRow]
    total: int  # targets matching every filter
    page: int
    pages: int
    # Per filter, (choice, targets it would list with the other filters kept).
    services: list[tuple[int, str, int]]
    environments: list[tuple[str, int]]
    severities: list[tuple[str, int]]
    rules: list[tuple[str, int]]
    drifting: int  # targets that drift, the other filters kept
    # endpoint id -> (position, environment name, LatestRun.verdicts) of its probed targets
    verdicts: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)


# Few distinct verdict texts recur across thousands of targets: parse each, and compare
# each set of them, once per process.
@lru_cache(maxsize=4096)
def verdicts_matrix(verdicts: str) -> MethodMatrix:
    return matrix_from_verdicts(verdicts)


def drifting(texts: list[str]) -> tuple[str, ...]:
    """Methods with a definite verdict that differs between some two of these targets."""
    distinct = frozenset(texts)
    return _drifting(distinct) if len(distinct) > 1 else ()


@lru_cache(maxsize=4096)
def _drifting(texts: frozenset[str]) -> tuple[str, ...]:
    return drifting_methods({text: verdicts_matrix(text) for text in sorted(texts)})


def _verdicts(workspace: Workspace) -> dict[int, list[tuple[int, str, str]]]:
    rows = LatestRun.objects.filter(endpoint__service__workspace=workspace).values_list(
        "endpoint_id", "environment__position", "environment__name", "verdicts"
    )
    by_endpoint: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for endpoint_id, position, name, verdicts in rows:
        by_endpoint[endpoint_id].append((position, name, verdicts))
    for sides in by_endpoint.values():
        sides.sort()
    return by_endpoint


def _targets(workspace: Workspace, drifting_ids: list[int]) -> QuerySet[Any]:
    """One row per target, joined to its latest run (none when never probed)."""
    return (
        Endpoint.objects.filter(service__workspace=workspace)
        .annotate(
            env_id=F("service__environments__id"),
            env_name=F("service__environments__name"),
            env_position=F("service__environments__position"),
            env_production=F("service__environments__is_production"),
        )
        .filter(env_id__isnull=False)
        .annotate(
            run=FilteredRelation(
                "latest_runs", condition=Q(latest_runs__environment_id=F("env_id"))
            ),
            finished_at=F("run__finished_at"),
            observation=F("run__observation_id"),
        )
        .annotate(
            standing=Case(
                When(finished_at__isnull=True, then=Value(len(SEVERITIES) - 1)),
                *(When(run__worst_severity=s, then=Value(i)) for i, s in enumerate(SEVERITIES[:3])),
                default=Value(SEVERITIES.index("ok")),
                output_field=IntegerField(),
            ),
            drifts=Case(
                When(Q(pk__in=drifting_ids) & Q(finished_at__isnull=False), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
    )


def _search(targets: QuerySet[Any], text: str) -> QuerySet[Any]:
    """Service name, endpoint path, or the URL probed (base URL and path template)."""
    joined = Concat(
        "service__environments__base_url", Value("\x1f"), "path", output_field=CharField()
    )
    url = Replace(Replace(joined, Value("/\x1f/"), Value("/")), Value("\x1f"), Value(""))
    return targets.alias(url=url).filter(
        Q(path__icontains=text) | Q(service__name__icontains=text) | Q(url__icontains=text)
    )


def _filtered(
    targets: QuerySet[Any], query: OverviewQuery, *, skip: Collection[str] = ()
) -> QuerySet[Any]:
    """The targets matching every filter of the query but those in `skip`."""
    if query.search:
        targets = _search(targets, query.search)
    if query.service is not None and "service" not in skip:
        targets = targets.filter(service_id=query.service)
    if query.environment and "environment" not in skip:
        targets = targets.filter(env_name=query.environment)
    if query.severity in SEVERITIES and "severity" not in skip:
        targets = targets.filter(standing=SEVERITIES.index(query.severity))
    if query.rule and "rule" not in skip:
        found = StoredFinding.objects.filter(observation_id=OuterRef("observation"))
        targets = targets.filter(Exists(found.filter(rule=query.rule)))
    if query.drifting and "drifting" not in skip:
        targets = targets.filter(drifts=1)
    return targets


ROW_COLUMNS = "pk service_id service__name path env_id env_name env_production standing drifts"
ORDER = {
    "severity": ("standing", "-drifts", "service__name", "path", "env_position"),
    "service": ("service__name", "path", "env_position"),
    "probed": (F("finished_at").asc(nulls_first=True), "service__name", "path", "env_position"),
    "drift": ("-drifts", "standing", "service__name", "path", "env_position"),
}


# The filters whose column the counts group by: one statement counts every choice of each.
GROUPED = ("service", "environment", "severity", "drifting")
Group = tuple[int, str, int, int]  # service id, environment name, standing, drifts


def _groups(targets: QuerySet[Any], query: OverviewQuery) -> dict[Group, int]:
    """Targets per (service, environment, standing, drift), the search and rule applied."""
    grouped = _filtered(targets, query, skip=GROUPED).order_by()
    rows = grouped.values_list("service_id", "env_name", "standing", "drifts")
    return {
        (sid, env, standing, drifts): n
        for sid, env, standing, drifts, n in rows.annotate(n=Count("pk"))
    }


def _keeps(group: Group, query: OverviewQuery, *, but: str = "") -> bool:
    """Whether the query's grouped filters, all but one, keep this group."""
    service_id, environment, standing, drifts = group
    return (
        (but == "service" or query.service is None or service_id == query.service)
        and (but == "environment" or not query.environment or environment == query.environment)
        and (
            but == "severity"
            or query.severity not in SEVERITIES
            or standing == SEVERITIES.index(query.severity)
        )
        and (but == "drifting" or not query.drifting or drifts == 1)
    )


def _count(groups: dict[Group, int], query: OverviewQuery, facet: str) -> dict[Any, int]:
    """Targets per choice of one filter, the other filters kept."""
    column = GROUPED.index(facet)
    counts: dict[Any, int] = defaultdict(int)
    for group, n in groups.items():
        if _keeps(group, query, but=facet):
            counts[group[column]] += n
    return counts


def _rule_counts(targets: QuerySet[Any]) -> list[tuple[str, int]]:
    """Rules found in the latest runs of these targets, with how many targets each."""
    observations = targets.order_by().filter(observation__isnull=False).values("observation")
    rows = (
        StoredFinding.objects.filter(observation_id__in=observations)
        .order_by()
        .values_list("rule")
        .annotate(n=Count("observation_id", distinct=True))
    )
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def overview_targets(*, workspace: Workspace, query: OverviewQuery) -> OverviewPage:
    verdicts = _verdicts(workspace)
    drifting_ids = [e for e, sides in verdicts.items() if drifting([v for *_, v in sides])]
    targets = _targets(workspace, drifting_ids)
    matching = _filtered(targets, query)
    groups = _groups(targets, query)
    total = sum(n for group, n in groups.items() if _keeps(group, query))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(query.page, 1), pages)
    first = (page - 1) * PER_PAGE
    ordered = matching.order_by(*ORDER.get(query.sort, ORDER["severity"]))
    rows = [
        TargetRow(
            endpoint_id=row[0],
            service_id=row[1],
            service=row[2],
            path=row[3],
            environment_id=row[4],
            environment=row[5],
            is_production=row[6],
            standing=SEVERITIES[row[7]],
            drifting=bool(row[8]),
        )
        for row in ordered.values_list(*ROW_COLUMNS.split())[first : first + PER_PAGE]
    ]
    services = _count(groups, query, "service")
    names = dict(workspace.services.values_list("id", "name"))
    every_environment = Environment.objects.filter(service__workspace=workspace)
    environments = _count(groups, query, "environment")
    severities = _count(groups, query, "severity")
    drifts = _count(groups, query, "drifting")
    return OverviewPage(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        services=sorted(
            ((sid, name, services.get(sid, 0)) for sid, name in names.items()),
            key=lambda s: s[1],
        ),
        environments=[
            (name, environments.get(name, 0))
            for name in sorted(set(every_environment.values_list("name", flat=True)))
        ],
        severities=[(s, severities.get(i, 0)) for i, s in enumerate(SEVERITIES)],
        rules=_rule_counts(_filtered(targets, query, skip=("rule",))),
        drifting=drifts.get(1, 0),
        verdicts=verdicts,
    )
