"""A workspace's inventory in the shape the importer reads.

Secret header values never leave the database: they come out as `{keep: true}` (with a
masked hint), which re-import reads as "keep the stored value".
"""

from typing import Any

from diagnoser.inventory import crypto
from diagnoser.inventory.models import SecretHeader, Workspace
from diagnoser.monitoring.services.drift_schedules import format_every
from diagnoser.monitoring.services.probe_schedules import probe_every_format


def export_inventory(*, workspace: Workspace) -> dict[str, Any]:
    """The workspace in the import shape. Secret values are replaced by {keep: true}."""
    services = []
    for service in workspace.services.prefetch_related(
        "environments__secret_headers", "endpoints", "drift_checks"
    ):
        environments = []
        for env in service.environments.all():
            item: dict[str, Any] = {"name": env.name, "base_url": env.base_url}
            if env.is_production:
                item["production"] = True
            item["policy"] = env.probe_policy
            if env.cors_origin:
                item["cors_origin"] = env.cors_origin
            if env.probe_every is not None:
                item["probe_every"] = probe_every_format(env.probe_every)
            if env.probing_paused:
                item["paused"] = True
            headers: list[SecretHeader] = list(env.secret_headers.all())
            if headers:
                item["headers"] = {
                    h.name: {"keep": True, "masked": crypto.masked(h.value)} for h in headers
                }
            environments.append(item)
        endpoints = []
        for endpoint in service.endpoints.all():
            entry: dict[str, Any] = {"path": endpoint.path}
            if endpoint.samples:
                entry["samples"] = dict(endpoint.samples)
            if endpoint.policy_override:
                entry["policy"] = endpoint.policy_override
            if endpoint.declared_methods:
                entry["methods"] = list(endpoint.declared_methods)
            endpoints.append(entry)
        checks = []
        for check in service.drift_checks.all():
            spec: dict[str, Any] = {"name": check.name}
            if check.every_seconds:
                spec["every"] = format_every(check.every_seconds)
            if check.crontab:
                spec["crontab"] = check.crontab
            if not check.enabled:
                spec["enabled"] = False
            if check.webhook_url:
                spec["webhook"] = check.webhook_url
            selected_envs = sorted(check.environments.values_list("name", flat=True))
            if selected_envs:
                spec["environments"] = selected_envs
            selected_paths = sorted(check.endpoints.values_list("path", flat=True))
            if selected_paths:
                spec["endpoints"] = selected_paths
            checks.append(spec)
        schedule: dict[str, Any] = {"probe_every": probe_every_format(service.probe_every)}
        if service.probing_paused:
            schedule["paused"] = True
        services.append(
            {
                "name": service.name,
                **schedule,
                "environments": environments,
                "endpoints": endpoints,
                "drift_checks": checks,
            }
        )
    return {"workspace": workspace.name, "services": services}
