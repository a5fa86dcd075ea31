"""Importing a service's drift checks, by environment names and endpoint paths."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from diagnoser.inventory.models import Service
from diagnoser.monitoring.as_code.document import InventoryError, Node, Reader, Summary, upsert
from diagnoser.monitoring.models import DriftCheck
from diagnoser.monitoring.services.drift_checks import drift_check_create, drift_check_update

M = TypeVar("M", bound=Model)

CHECK_KEYS = {"name", "every", "crontab", "enabled", "webhook", "environments", "endpoints"}


def import_check(service: Service, node: Node, summary: Summary) -> str:
    spec = Reader(node, "a drift check", CHECK_KEYS)
    name = spec.get("name", str, required=True)
    every = spec.get("every", (str, int))
    crontab = spec.get("crontab", str, "")
    enabled = spec.get("enabled", bool, True)
    webhook = spec.get("webhook", str, "")
    environments = _named(spec, "environments", service, service.environments.all(), field="name")
    endpoints = _named(spec, "endpoints", service, service.endpoints.all(), field="path")
    check = DriftCheck.objects.filter(service=service, name=name).first()
    # What the file sets, the same whether the check is new or already stored.
    settings: dict[str, Any] = {
        "endpoints": endpoints,
        "environments": environments,
        "crontab": crontab,
        "enabled": enabled,
        "webhook_url": webhook,
    }
    upsert(
        spec=spec,
        summary=summary,
        label=f"drift check {service.name}/{name}",
        stored=check,
        create=lambda: drift_check_create(service=service, name=name, every=every, **settings),
        update=lambda stored: drift_check_update(check=stored, every=every or "", **settings),
        state=lambda stored: (
            stored.every_seconds,
            stored.crontab,
            stored.enabled,
            stored.webhook_url,
            sorted(stored.endpoints.values_list("id", flat=True)),
            sorted(stored.environments.values_list("id", flat=True)),
        ),
    )
    return str(name)


def _named(
    spec: Reader, key: str, service: Service, queryset: QuerySet[M], *, field: str
) -> list[M]:
    """The service's objects the list under key names by their field, in file order."""
    found = []
    for node in spec.items(key):
        match = queryset.filter(**{field: str(node.value)}).first()
        if match is None:
            kind = key.removesuffix("s")
            raise InventoryError(f"no {kind} {node.value!r} in {service.name}", line=node.line)
        found.append(match)
    return found
