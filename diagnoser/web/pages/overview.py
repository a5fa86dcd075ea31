"""The overview's rows: services, their environments, and per endpoint the worst
finding and the newest probe across environments."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from diagnoser.inventory.models import Endpoint, Environment, Service, Workspace
from diagnoser.web.pages.latest import (
    FindingBrief,
    latest_runs_of,
    newest,
    worst_findings,
    worst_of,
)


@dataclass(frozen=True)
class EndpointRow:
    endpoint: Endpoint
    worst: FindingBrief | None
    last_probed: datetime | None
    probed: int  # environments with a finished run


@dataclass(frozen=True)
class ServiceBlock:
    service: Service
    environments: list[Environment]
    endpoints: list[EndpointRow]


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
    for endpoint in endpoints.order_by("path"):
        rows[endpoint.service_id].append(
            EndpointRow(
                endpoint=endpoint,
                worst=worst_of(briefs[endpoint.id]),
                last_probed=newest(times[endpoint.id]),
                probed=len(times[endpoint.id]),
            )
        )
    return [
        ServiceBlock(service, list(service.environments.all()), rows[service.id])
        for service in services
    ]
