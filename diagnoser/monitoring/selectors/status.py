"""The overview as a list of targets, for `manage.py status`: per endpoint and environment
the newest probe, its worst finding and whether the endpoint's environments drift.

Three reads whatever the inventory holds (services with environments, endpoints, each
target's LatestRun); drift is computed from the verdicts LatestRun keeps, as the
overview does, never from stored matrices.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from diagnoser.inventory.models import Endpoint, Service
from diagnoser.inventory.selectors import target_url
from diagnoser.monitoring.selectors.latest import latest_of
from diagnoser.monitoring.selectors.overview import drifting


@dataclass(frozen=True)
class TargetStatus:
    workspace: str
    service: str
    environment: str
    endpoint: str  # the path template
    url: str  # what is probed: the base URL and the path with its samples
    last_probed_at: datetime | None
    worst: str | None  # rule id of the most severe finding (notes never count)
    worst_severity: str | None
    worst_title: str | None
    drift: bool  # the endpoint's environments disagree on a method, this one included

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "environment": self.environment,
            "endpoint": self.endpoint,
            "url": self.url,
            "last_probed_at": self.last_probed_at.isoformat() if self.last_probed_at else None,
            "worst": self.worst,
            "drift": self.drift,
        }


def target_statuses(*, services: list[Service]) -> list[TargetStatus]:
    """Every target of these services, by service, endpoint path, environment order."""
    services = list(
        Service.objects.filter(id__in=[s.id for s in services])
        .select_related("workspace")
        .prefetch_related("environments")
        .order_by("workspace__name", "name")
    )
    of_services = Endpoint.objects.filter(service__in=services)
    endpoints = defaultdict(list)
    for endpoint in of_services.order_by("path"):
        endpoints[endpoint.service_id].append(endpoint)
    latest = {
        (row[0], row[1]): row[2:]
        for row in latest_of(endpoints=of_services).values_list(
            "endpoint_id",
            "environment_id",
            "finished_at",
            "verdicts",
            "worst_severity",
            "worst_rule",
            "worst_title",
        )
    }
    statuses = []
    for service in services:
        environments = list(service.environments.all())
        for endpoint in endpoints[service.id]:
            verdicts = {
                env.id: latest[(endpoint.id, env.id)][1]
                for env in environments
                if (endpoint.id, env.id) in latest
            }
            drifts = bool(drifting(list(verdicts.values())))
            for env in environments:
                finished_at, _, severity, rule, title = latest.get(
                    (endpoint.id, env.id), (None, "", "", "", "")
                )
                statuses.append(
                    TargetStatus(
                        workspace=service.workspace.name,
                        service=service.name,
                        environment=env.name,
                        endpoint=endpoint.path,
                        url=target_url(endpoint=endpoint, environment=env),
                        last_probed_at=finished_at,
                        worst=rule or None,
                        worst_severity=severity or None,
                        worst_title=title or None,
                        drift=drifts and env.id in verdicts,
                    )
                )
    return statuses
