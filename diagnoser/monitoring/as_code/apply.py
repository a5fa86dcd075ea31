"""Applying an inventory file to the database, all or nothing.

The whole file is applied in one transaction, and any problem rejects it with the line
at fault. Re-importing a file changes nothing. Secret header values go in as a literal
string or `{from_env: VARIABLE}` (read from the importing process's environment), or
`{keep: true}` to keep the stored value.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from diagnoser.inventory.models import DEFAULT_PROBE_EVERY, Service, Workspace
from diagnoser.inventory.services import service_create
from diagnoser.monitoring.as_code.checks import import_check
from diagnoser.monitoring.as_code.document import InventoryError, Node, Reader, Summary, at, parse
from diagnoser.monitoring.as_code.entries import import_endpoint, import_environment
from diagnoser.monitoring.as_code.openapi import import_openapi
from diagnoser.monitoring.queue import BrokerUnavailable
from diagnoser.monitoring.services.archive import endpoint_delete, environment_delete
from diagnoser.monitoring.services.drift_checks import drift_check_delete
from diagnoser.monitoring.services.probe_schedules import (
    service_schedule_update,
    targets_probe_now,
)

SERVICE_KEYS = {
    "name",
    "environments",
    "endpoints",
    "drift_checks",
    "probe_every",
    "paused",
    "openapi",
}


def import_inventory(
    text: str,
    *,
    workspace_name: str | None = None,
    source: str = "",
    prune: bool = False,
    probe: bool = True,
    files_from: Path | None = None,
) -> Summary:
    """Apply a file to the database, all or nothing. Raises InventoryError with the line.

    With probe, what was created or changed in a way that changes its answers is probed
    once the import commits (summary.probes_queued; probes_deferred when the broker is
    down: the sweeper and the schedule catch up). files_from: where a service's
    `openapi:` file is read from; None: URLs only."""
    try:
        root = Reader(parse(text, source=source), "the file", {"workspace", "services"})
        name = workspace_name or root.get("workspace", str, "default")
        longest = Workspace._meta.get_field("name").max_length or 0
        if not name.strip() or len(name) > longest:
            node = root.raw("workspace")
            raise InventoryError(
                f"the workspace name must be 1 to {longest} characters",
                line=node.line if node is not None else None,
            )
        summary = Summary()
        with transaction.atomic():
            workspace, created = Workspace.objects.get_or_create(name=name)
            if created:
                summary.created.append(f"workspace {name}")
            seen: set[str] = set()
            for node in root.items("services"):
                service = _import_service(
                    workspace, node, summary, prune=prune, files_from=files_from
                )
                if service.name in seen:
                    raise InventoryError(
                        f"service {service.name!r} is listed twice", line=node.line
                    )
                seen.add(service.name)
            if probe:
                queued = targets_probe_now(
                    endpoints=summary.probe_endpoints, environments=summary.probe_environments
                )
                summary.probes_queued = len(queued)
    except InventoryError as error:
        error.source = source
        raise
    except BrokerUnavailable as error:
        # Raised as the import committed: it is saved, and the runs stay queued.
        summary.probes_deferred = str(error.error)
    return summary


def _import_service(
    workspace: Workspace, node: Node, summary: Summary, *, prune: bool, files_from: Path | None
) -> Service:
    spec = Reader(node, "a service", SERVICE_KEYS)
    name = spec.get("name", str, required=True)
    # Absent: the default interval, not paused (the file says the whole truth).
    probe_every = spec.get("probe_every", (str, int), DEFAULT_PROBE_EVERY)
    paused = spec.get("paused", bool, False)
    service = Service.objects.filter(workspace=workspace, name=name).first()
    if service is None:
        with at(spec):
            service = service_create(workspace=workspace, name=name)
            service_schedule_update(service=service, probe_every=probe_every, paused=paused)
        summary.created.append(f"service {name}")
    else:
        before = (service.probe_every, service.probing_paused)
        with at(spec):
            service_schedule_update(service=service, probe_every=probe_every, paused=paused)
        if (service.probe_every, service.probing_paused) != before:
            summary.updated.append(f"service {name}")

    env_names: set[str] = set()
    for env_node in spec.items("environments"):
        env_names.add(import_environment(service, env_node, summary))
    # The document first: an endpoint the file lists too keeps the document's contract
    # unless the file gives `methods`.
    paths = import_openapi(service, spec, summary, files_from=files_from)
    for endpoint_node in spec.items("endpoints"):
        paths.add(import_endpoint(service, endpoint_node, summary))
    check_names: set[str] = set()
    for check_node in spec.items("drift_checks"):
        check_names.add(import_check(service, check_node, summary))

    if prune:
        _prune(service, env_names, paths, check_names, summary)
    return service


def _prune(
    service: Service, envs: set[str], paths: set[str], checks: set[str], summary: Summary
) -> None:
    for check in service.drift_checks.exclude(name__in=checks):
        drift_check_delete(check=check)
        summary.deleted.append(f"drift check {service.name}/{check.name}")
    for environment in service.environments.exclude(name__in=envs):
        environment_delete(environment=environment)
        summary.deleted.append(f"environment {service.name}/{environment.name}")
    for endpoint in service.endpoints.exclude(path__in=paths):
        endpoint_delete(endpoint=endpoint)
        summary.deleted.append(f"endpoint {service.name} {endpoint.path}")
