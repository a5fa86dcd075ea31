"""The newest finished run of many targets at once, for the overview, service and
endpoint pages.

One statement finds the latest run id of every (endpoint, environment) pair by joining
each endpoint to its service's environments and seeking the partial index
run_target_latest_done once per pair; the caller loads those runs (and their findings)
with one more query each. So a page's query count does not grow with endpoints or
environments, and no statement scans a target's whole history.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery

from diagnoser.analysis.model import Severity
from diagnoser.inventory.models import Endpoint
from diagnoser.monitoring.models import ProbeRun, StoredFinding


def latest_runs_of(*, endpoints: QuerySet[Endpoint]) -> QuerySet[ProbeRun]:
    """Latest done run per target of these endpoints (not yet evaluated)."""
    newest = (
        ProbeRun.objects.filter(
            endpoint_id=OuterRef("id"),
            environment_id=OuterRef("environment_id"),
            state=ProbeRun.State.DONE,
        )
        .order_by("-finished_at")
        .values("id")[:1]
    )
    run_ids = (
        endpoints.order_by()
        .annotate(environment_id=F("service__environments__id"))
        .annotate(run_id=Subquery(newest))
        .values("run_id")
    )
    return ProbeRun.objects.filter(id__in=Subquery(run_ids))


@dataclass(frozen=True)
class FindingBrief:
    severity: Severity
    rule: str
    title: str


def worst_findings(*, runs: QuerySet[ProbeRun]) -> dict[int, FindingBrief]:
    """The most severe finding of each of these runs' observations, by observation id."""
    rows = StoredFinding.objects.filter(
        observation_id__in=Subquery(runs.values("observation_id"))
    ).values_list("observation_id", "severity", "rule", "title")
    worst: dict[int, FindingBrief] = {}
    for observation_id, severity, rule, title in rows:
        brief = FindingBrief(Severity(severity), rule, title)
        current = worst.get(observation_id)
        if current is None or brief.severity.rank < current.severity.rank:
            worst[observation_id] = brief
    return worst


def worst_of(briefs: list[FindingBrief]) -> FindingBrief | None:
    return min(briefs, key=lambda b: b.severity.rank, default=None)


def newest(times: list[datetime | None]) -> datetime | None:
    return max((t for t in times if t is not None), default=None)
