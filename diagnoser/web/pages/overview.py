"""The overview's rows: services, their environments, and per endpoint the worst
finding and the newest probe across environments.

A workspace may hold thousands of endpoints: each service shows its most troubled
endpoints first, up to a cap, with counts by severity for the rest (the service page
lists them all)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from diagnoser.inventory.models import Endpoint, Environment, Service, Workspace
from diagnoser.web.pages.latest import (
    FindingBrief,
    latest_runs_of,
    newest,
    worst_findings,
    worst_of,
)

ROWS_PER_SERVICE = 25
# Order of the summary and of the rows: problems first, then what is still unknown.
STANDINGS = ("error", "warning", "info", "not probed", "ok")


@dataclass(frozen=True)
class EndpointRow:
    endpoint_id: int
    path: str
    worst: FindingBrief | None
    last_probed: datetime | None
    probed: int  # environments with a finished run

    @property
    def standing(self) -> str:
        if self.worst is not None:
            return self.worst.severity.value
        return "ok" if self.probed else "not probed"


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


def _block(service: Service, rows: list[EndpointRow]) -> ServiceBlock:
    rows.sort(key=lambda row: (STANDINGS.index(row.standing), row.path))
    counts = Counter(row.standing for row in rows)
    return ServiceBlock(
        service=service,
        environments=list(service.environments.all()),
        endpoints=rows[:ROWS_PER_SERVICE],
        total=len(rows),
        standings=[(standing, counts[standing]) for standing in STANDINGS if counts[standing]],
    )


def overview_blocks(*, workspace: Workspace) -> list[ServiceBlock]:
    """Five queries whatever the workspace holds."""
    services = Service.objects.filter(workspace=workspace).prefetch_related("environments")
    endpoints = Endpoint.objects.filter(service__workspace=workspace)
    runs = latest_runs_of(endpoints=endpoints)
    worst = worst_findings(runs=runs)
    briefs: dict[int, list[FindingBrief]] = defaultdict(list)
    times: dict[int, list[datetime | None]] = defaultdict(list)
    for endpoint_id, finished_at, observation_id in runs.values_list(
        "endpoint_id", "finished_at", "observation_id"
    ):
        times[endpoint_id].append(finished_at)
        if observation_id in worst:
            briefs[endpoint_id].append(worst[observation_id])
    rows: dict[int, list[EndpointRow]] = defaultdict(list)
    for endpoint_id, service_id, path in endpoints.values_list("id", "service_id", "path"):
        rows[service_id].append(
            EndpointRow(
                endpoint_id=endpoint_id,
                path=path,
                worst=worst_of(briefs[endpoint_id]),
                last_probed=newest(times[endpoint_id]),
                probed=len(times[endpoint_id]),
            )
        )
    return [_block(service, rows[service.id]) for service in services]
