"""Importing a service's drift checks, by environment names and endpoint paths."""

from __future__ import annotations

from typing import Any

from diagnoser.inventory.models import Service
from diagnoser.monitoring.as_code.document import InventoryError, Node, Reader, Summary, at
from diagnoser.monitoring.models import DriftCheck
from diagnoser.monitoring.services.drift_checks import drift_check_create, drift_check_update

CHECK_KEYS = {"name", "every", "crontab", "enabled", "webhook", "environments", "endpoints"}


def import_check(service: Service, node: Node, summary: Summary) -> str:
    spec = Reader(node, "a drift check", CHECK_KEYS)
    name = spec.get("name", str, required=True)
    every = spec.get("every", (str, int))
    crontab = spec.get("crontab", str, "")
    enabled = spec.get("enabled", bool, True)
    webhook = spec.get("webhook", str, "")
    environments = []
    for env_node in spec.items("environments"):
        found = service.environments.filter(name=str(env_node.value)).first()
        if found is None:
            raise InventoryError(
                f"no environment {env_node.value!r} in {service.name}", line=env_node.line
            )
        environments.append(found)
    endpoints = []
    for endpoint_node in spec.items("endpoints"):
        found_endpoint = service.endpoints.filter(path=str(endpoint_node.value)).first()
        if found_endpoint is None:
            raise InventoryError(
                f"no endpoint {endpoint_node.value!r} in {service.name}", line=endpoint_node.line
            )
        endpoints.append(found_endpoint)
    check = DriftCheck.objects.filter(service=service, name=name).first()
    with at(spec):
        if check is None:
            drift_check_create(
                service=service,
                name=name,
                endpoints=endpoints,
                environments=environments,
                every=every,
                crontab=crontab,
                enabled=enabled,
                webhook_url=webhook,
            )
            summary.created.append(f"drift check {service.name}/{name}")
            return str(name)
        before = _check_state(check)
        drift_check_update(
            check=check,
            endpoints=endpoints,
            environments=environments,
            every=every or "",
            crontab=crontab,
            enabled=enabled,
            webhook_url=webhook,
        )
        if _check_state(check) != before:
            summary.updated.append(f"drift check {service.name}/{name}")
    return str(name)


def _check_state(check: DriftCheck) -> tuple[Any, ...]:
    check.refresh_from_db()
    return (
        check.every_seconds,
        check.crontab,
        check.enabled,
        check.webhook_url,
        tuple(sorted(check.endpoints.values_list("id", flat=True))),
        tuple(sorted(check.environments.values_list("id", flat=True))),
    )
