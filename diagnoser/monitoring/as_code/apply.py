"""Applying an inventory file to the database, all or nothing.

The whole file is applied in one transaction, and any problem rejects it with the line
at fault. Re-importing a file changes nothing. Secret header values go in as a literal
string or `{from_env: VARIABLE}` (read from the importing process's environment), or
`{keep: true}` to keep the stored value.
"""

from __future__ import annotations

from django.db import transaction

from diagnoser.inventory.models import Service, Workspace
from diagnoser.inventory.services import service_create
from diagnoser.monitoring.as_code.checks import import_check
from diagnoser.monitoring.as_code.document import InventoryError, Node, Reader, Summary, at, parse
from diagnoser.monitoring.as_code.entries import import_endpoint, import_environment
from diagnoser.monitoring.services.drift_checks import drift_check_delete

SERVICE_KEYS = {"name", "environments", "endpoints", "drift_checks"}


def import_inventory(
    text: str, *, workspace_name: str | None = None, source: str = "", prune: bool = False
) -> Summary:
    """Apply a file to the database, all or nothing. Raises InventoryError with the line."""
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
        with transaction.atomic():
            workspace, created = Workspace.objects.get_or_create(name=name)
            summary = Summary(created=[f"workspace {name}"] if created else [])
            seen: set[str] = set()
            for node in root.items("services"):
                service = _import_service(workspace, node, summary, prune=prune)
                if service.name in seen:
                    raise InventoryError(
                        f"service {service.name!r} is listed twice", line=node.line
                    )
                seen.add(service.name)
    except InventoryError as error:
        error.source = source
        raise
    return summary


def _import_service(workspace: Workspace, node: Node, summary: Summary, *, prune: bool) -> Service:
    spec = Reader(node, "a service", SERVICE_KEYS)
    name = spec.get("name", str, required=True)
    service = Service.objects.filter(workspace=workspace, name=name).first()
    if service is None:
        with at(spec):
            service = service_create(workspace=workspace, name=name)
        summary.created.append(f"service {name}")

    env_names: set[str] = set()
    for env_node in spec.items("environments"):
        env_names.add(import_environment(service, env_node, summary))
    paths: set[str] = set()
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
        environment.delete()
        summary.deleted.append(f"environment {service.name}/{environment.name}")
    for endpoint in service.endpoints.exclude(path__in=paths):
        endpoint.delete()
        summary.deleted.append(f"endpoint {service.name} {endpoint.path}")
