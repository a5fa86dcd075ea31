"""A workspace's inventory in the shape the importer reads.

Secret header values never leave the database: they come out as `{keep: true}` (with a
masked hint), which re-import reads as "keep the stored value".
"""

from typing import Any

from diagnoser.inventory import crypto
from diagnoser.inventory.models import Endpoint, Environment, SecretHeader, Workspace
from diagnoser.monitoring.models import DriftCheck
from diagnoser.monitoring.services.drift_schedules import format_every


def export_inventory(*, workspace: Workspace) -> dict[str, Any]:
    """The workspace in the import shape. Secret values are replaced by {keep: true}."""
    services = [
        {
            "name": service.name,
            "probe_every": format_every(service.probe_every),
            **({"paused": True} if service.probing_paused else {}),
            "environments": [_environment_entry(env) for env in service.environments.all()],
            "endpoints": [_endpoint_entry(endpoint) for endpoint in service.endpoints.all()],
            "drift_checks": [_check_entry(check) for check in service.drift_checks.all()],
        }
        for service in workspace.services.prefetch_related(
            "environments__secret_headers", "endpoints", "drift_checks"
        )
    ]
    return {"workspace": workspace.name, "services": services}


def _entry(**fields: Any) -> dict[str, Any]:
    """A file entry without the keys left at their default (None here): an export reads
    like a file written by hand."""
    return {key: value for key, value in fields.items() if value is not None}


def _environment_entry(env: Environment) -> dict[str, Any]:
    headers: list[SecretHeader] = list(env.secret_headers.all())
    return _entry(
        name=env.name,
        base_url=env.base_url,
        production=True if env.is_production else None,
        policy=env.probe_policy,
        cors_origin=env.cors_origin or None,
        probe_every=None if env.probe_every is None else format_every(env.probe_every),
        paused=True if env.probing_paused else None,
        headers={h.name: {"keep": True, "masked": crypto.masked(h.value)} for h in headers} or None,
    )


def _endpoint_entry(endpoint: Endpoint) -> dict[str, Any]:
    return _entry(
        path=endpoint.path,
        samples=dict(endpoint.samples) or None,
        policy=endpoint.policy_override or None,
        methods=list(endpoint.declared_methods) or None,
    )


def _check_entry(check: DriftCheck) -> dict[str, Any]:
    return _entry(
        name=check.name,
        every=format_every(check.every_seconds) if check.every_seconds else None,
        crontab=check.crontab or None,
        enabled=None if check.enabled else False,
        webhook=check.webhook_url or None,
        environments=sorted(check.environments.values_list("name", flat=True)) or None,
        endpoints=sorted(check.endpoints.values_list("path", flat=True)) or None,
    )
