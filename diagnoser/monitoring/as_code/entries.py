"""Importing a service's environments (with their secret headers) and endpoints."""

from __future__ import annotations

import os
from typing import Any

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.inventory.services import (
    endpoint_create,
    endpoint_update,
    environment_create,
    environment_update,
    secret_header_delete,
    secret_header_set,
)
from diagnoser.monitoring.as_code.document import InventoryError, Node, Reader, Summary, upsert
from diagnoser.monitoring.services.probe_schedules import environment_schedule_update

ENVIRONMENT_KEYS = {
    "name",
    "base_url",
    "production",
    "policy",
    "cors_origin",
    "headers",
    "probe_every",
    "paused",
}
ENDPOINT_KEYS = {"path", "samples", "policy", "methods"}


def header_value(environment: Environment | None, name: str, node: Node) -> str | None:
    """The value to store, or None to keep the stored one."""
    if isinstance(node.value, str):
        return str(node.value)
    spec = Reader(node, f"header {name}", {"from_env", "keep", "masked"})
    if spec.get("keep", bool, False):
        stored = (
            environment.secret_headers.filter(name__iexact=name).first() if environment else None
        )
        if stored is None:
            raise InventoryError(
                f"header {name} says keep: true but no value is stored; give the value "
                "or {from_env: VARIABLE}",
                line=node.line,
            )
        return None
    variable = spec.get("from_env", str, required=True)
    if variable not in os.environ:
        raise InventoryError(
            f"header {name} reads ${variable}, which is not set in this environment",
            line=spec.line("from_env"),
        )
    return os.environ[variable]


def import_environment(service: Service, node: Node, summary: Summary) -> str:
    spec = Reader(node, "an environment", ENVIRONMENT_KEYS)
    name = spec.get("name", str, required=True)
    label = f"environment {service.name}/{name}"
    base_url = spec.get("base_url", str, required=True)
    production = spec.get("production", bool, False)
    policy = spec.get("policy", str)
    cors_origin = spec.get("cors_origin", str, "")
    # Absent: the service's interval, not paused (the file says the whole truth).
    probe_every = spec.get("probe_every", (str, int))
    paused = spec.get("paused", bool, False)
    headers_node = spec.raw("headers")
    headers: dict[str, Node] = {}
    if headers_node is not None and headers_node.value is not None:
        if not isinstance(headers_node.value, dict):
            raise InventoryError("'headers' must be a mapping", line=headers_node.line)
        headers = {k: v for k, (_, v) in headers_node.value.items()}

    environment = Environment.objects.filter(service=service, name=name).first()
    values = {h: header_value(environment, h, v) for h, v in headers.items()}
    settings: dict[str, Any] = {
        "base_url": base_url,
        "is_production": production,
        "probe_policy": policy,
        "cors_origin": cors_origin,
    }

    def create() -> Environment:
        created = environment_create(
            service=service,
            name=name,
            headers={h: v for h, v in values.items() if v is not None},
            **settings,
        )
        environment_schedule_update(environment=created, probe_every=probe_every, paused=paused)
        return created

    def update(stored: Environment) -> None:
        environment_update(environment=stored, **settings)
        for header, value in values.items():
            if value is not None:
                secret_header_set(environment=stored, name=header, value=value)
        for old in stored.secret_headers.all():
            if old.name.lower() not in {h.lower() for h in headers}:
                secret_header_delete(environment=stored, name=old.name)
        environment_schedule_update(environment=stored, probe_every=probe_every, paused=paused)

    saved, before, after = upsert(
        spec=spec,
        summary=summary,
        label=label,
        stored=environment,
        create=create,
        update=update,
        state=_environment_state,
    )
    if before is None or after[:-2] != before[:-2]:  # what is probed changed, not only when
        summary.probe_environments.append(saved)
    return str(name)


def _environment_state(environment: Environment) -> tuple[Any, ...]:
    return (
        environment.base_url,
        environment.is_production,
        environment.probe_policy,
        environment.cors_origin,
        tuple((h.name, h.value) for h in environment.secret_headers.order_by("name")),
        environment.probe_every,
        environment.probing_paused,
    )


def import_endpoint(service: Service, node: Node, summary: Summary) -> str:
    if isinstance(node.value, str):  # "- /health" is short for "- path: /health"
        node = Node({"path": (node, node)}, node.line)
    spec = Reader(node, "an endpoint", ENDPOINT_KEYS)
    path = spec.get("path", str, required=True)
    samples = spec.get("samples", dict, {})
    samples = {k: str(v) for k, v in spec.plain("samples", {}).items()} if samples else {}
    policy = spec.get("policy", str)
    methods = spec.get("methods", list, [])
    methods = [str(m) for m in spec.plain("methods", [])] if methods else []
    endpoint = Endpoint.objects.filter(service=service, path=path).first()
    # Without `methods`, an endpoint whose contract an OpenAPI document gave keeps it.
    keep = not spec.has("methods") and endpoint is not None and bool(endpoint.contract_source)
    saved, before, after = upsert(
        spec=spec,
        summary=summary,
        label=f"endpoint {service.name} {path}",
        stored=endpoint,
        create=lambda: endpoint_create(
            service=service,
            path=path,
            samples=samples,
            policy_override=policy,
            declared_methods=methods,
        ),
        update=lambda stored: endpoint_update(
            endpoint=stored,
            samples=samples,
            policy_override=policy,
            clear_policy_override=policy is None,
            declared_methods=None if keep else methods,
        ),
        state=lambda stored: (stored.samples, stored.policy_override, stored.declared_methods),
    )
    if before is None or after[:2] != before[:2]:  # declared methods change no probe
        summary.probe_endpoints.append(saved)
    return str(path)
