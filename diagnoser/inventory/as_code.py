"""Inventory as code: services, environments, endpoints and drift checks in YAML or JSON.

The importer is all-or-nothing: the whole file is applied in one transaction, and any
problem rejects it with the line at fault (YAML node marks; JSON parses as YAML too).
Re-importing a file changes nothing. Secret header values are never exported: they come
out as `{keep: true}` (re-import keeps the stored value) and go in as a literal string or
`{from_env: VARIABLE}` (read from the importing process's environment).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from diagnoser.inventory import crypto
from diagnoser.inventory.models import Endpoint, Environment, SecretHeader, Service, Workspace
from diagnoser.inventory.services import (
    endpoint_create,
    endpoint_update,
    environment_create,
    environment_update,
    secret_header_delete,
    secret_header_set,
    service_create,
)


class InventoryError(Exception):
    """What is wrong, and where: `shop.yaml, line 12: ...`."""

    def __init__(self, message: str, *, line: int | None = None, source: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.source = message, line, source

    def __str__(self) -> str:
        where = self.source or "inventory"
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.message}"


@dataclass
class Node:
    """A parsed value with the line it starts on (1-based)."""

    value: Any
    line: int


@dataclass
class Summary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


# Aliases repeat a node wherever they point: ten lines can expand to a billion values.
_MAX_VALUES = 100_000


def _check_size(root: yaml.Node) -> None:
    """Count the values as aliases expand them (without building any), up to the cap."""
    stack, count = [root], 0
    while stack:
        node = stack.pop()
        count += 1
        if count > _MAX_VALUES:
            raise InventoryError(f"the file holds more than {_MAX_VALUES} values (aliases?)")
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _to_nodes(node: yaml.Node) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = _to_nodes(key_node)
            if not isinstance(key.value, str):
                raise InventoryError("keys must be strings", line=key.line)
            if key.value in mapping:
                raise InventoryError(f"duplicate key {key.value!r}", line=key.line)
            mapping[key.value] = (key, _to_nodes(value_node))
        return Node(mapping, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_to_nodes(item) for item in node.value], line)
    try:
        value = yaml.safe_load(yaml.serialize(node))
    except (yaml.YAMLError, ValueError) as error:  # a tag or a date it can't build
        problem = getattr(error, "problem", None) or str(error)
        raise InventoryError(f"can't read {node.value!r}: {problem}", line=line) from None
    if isinstance(value, str) and "\x00" in value:  # "\0" in quotes; no database stores it
        raise InventoryError(f"{value!r} contains a NUL character; remove it", line=line)
    return Node(value, line)


def parse(text: str, *, source: str = "") -> Node:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None:
            raise InventoryError("the file is empty")
        _check_size(root)
        return _to_nodes(root)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise InventoryError(
            f"not valid YAML/JSON: {error.problem}", line=line, source=source
        ) from None
    except yaml.YAMLError as error:  # characters YAML does not allow, unmarked
        detail = " ".join(str(error).split())
        raise InventoryError(f"not valid YAML/JSON: {detail}", source=source) from None
    except RecursionError:
        raise InventoryError("the file nests too deeply; flatten it", source=source) from None
    except InventoryError as error:
        error.source = source
        raise


class _Reader:
    """Typed access to a mapping node; every complaint names the line."""

    def __init__(self, node: Node, what: str, allowed: set[str]) -> None:
        if not isinstance(node.value, dict):
            raise InventoryError(f"{what} must be a mapping", line=node.line)
        self.node, self.what = node, what
        for key, (key_node, _) in node.value.items():
            if key not in allowed:
                raise InventoryError(
                    f"unknown key {key!r} in {what} (expected {', '.join(sorted(allowed))})",
                    line=key_node.line,
                )

    def has(self, key: str) -> bool:
        return key in self.node.value

    def line(self, key: str | None = None) -> int:
        if key is not None and key in self.node.value:
            return int(self.node.value[key][1].line)
        return self.node.line

    def raw(self, key: str) -> Node | None:
        entry = self.node.value.get(key)
        return entry[1] if entry else None

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, *, required=False):
        node = self.raw(key)
        if node is None or node.value is None:
            if required:
                raise InventoryError(f"{self.what} needs {key!r}", line=self.node.line)
            return default
        if not isinstance(node.value, kind) or (kind is int and isinstance(node.value, bool)):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise InventoryError(f"{key!r} must be a {names}", line=node.line)
        return node.value

    def items(self, key: str) -> list[Node]:
        node = self.raw(key)
        if node is None or node.value is None:
            return []
        if not isinstance(node.value, list):
            raise InventoryError(f"{key!r} must be a list", line=node.line)
        return list(node.value)

    def plain(self, key: str, default: Any = None) -> Any:
        node = self.raw(key)
        return default if node is None else _plain(node)


def _plain(node: Node) -> Any:
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, (_, v) in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(item) for item in node.value]
    return node.value


# Service-layer field names -> the keys the file spells them with.
_FILE_KEYS = {
    "is_production": "production",
    "probe_policy": "policy",
    "policy_override": "policy",
    "declared_methods": "methods",
    "webhook_url": "webhook",
}


@contextmanager
def _at(spec: _Reader) -> Iterator[None]:
    """Report a service-layer ValidationError at the line of the key it is about."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise InventoryError("; ".join(error.messages), line=spec.line()) from None
        field, messages = next(iter(error.message_dict.items()))
        key = _FILE_KEYS.get(field, field)
        raise InventoryError(f"{key}: {' '.join(messages)}", line=spec.line(key)) from None


SERVICE_KEYS = {"name", "environments", "endpoints", "drift_checks"}
ENVIRONMENT_KEYS = {"name", "base_url", "production", "policy", "cors_origin", "headers"}
ENDPOINT_KEYS = {"path", "samples", "policy", "methods"}
CHECK_KEYS = {"name", "every", "crontab", "enabled", "webhook", "environments", "endpoints"}


def import_inventory(
    text: str, *, workspace_name: str | None = None, source: str = "", prune: bool = False
) -> Summary:
    """Apply a file to the database, all or nothing. Raises InventoryError with the line."""
    try:
        root = _Reader(parse(text, source=source), "the file", {"workspace", "services"})
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
    spec = _Reader(node, "a service", SERVICE_KEYS)
    name = spec.get("name", str, required=True)
    service = Service.objects.filter(workspace=workspace, name=name).first()
    if service is None:
        with _at(spec):
            service = service_create(workspace=workspace, name=name)
        summary.created.append(f"service {name}")

    env_names: set[str] = set()
    for env_node in spec.items("environments"):
        env_names.add(_import_environment(service, env_node, summary))
    paths: set[str] = set()
    for endpoint_node in spec.items("endpoints"):
        paths.add(_import_endpoint(service, endpoint_node, summary))
    check_names: set[str] = set()
    for check_node in spec.items("drift_checks"):
        check_names.add(_import_check(service, check_node, summary))

    if prune:
        _prune(service, env_names, paths, check_names, summary)
    return service


def _header_value(environment: Environment | None, name: str, node: Node) -> str | None:
    """The value to store, or None to keep the stored one."""
    if isinstance(node.value, str):
        return str(node.value)
    spec = _Reader(node, f"header {name}", {"from_env", "keep", "masked"})
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


def _import_environment(service: Service, node: Node, summary: Summary) -> str:
    spec = _Reader(node, "an environment", ENVIRONMENT_KEYS)
    name = spec.get("name", str, required=True)
    label = f"environment {service.name}/{name}"
    base_url = spec.get("base_url", str, required=True)
    production = spec.get("production", bool, False)
    policy = spec.get("policy", str)
    cors_origin = spec.get("cors_origin", str, "")
    headers_node = spec.raw("headers")
    headers: dict[str, Node] = {}
    if headers_node is not None and headers_node.value is not None:
        if not isinstance(headers_node.value, dict):
            raise InventoryError("'headers' must be a mapping", line=headers_node.line)
        headers = {k: v for k, (_, v) in headers_node.value.items()}

    environment = Environment.objects.filter(service=service, name=name).first()
    values = {h: _header_value(environment, h, v) for h, v in headers.items()}
    with _at(spec):
        if environment is None:
            environment_create(
                service=service,
                name=name,
                base_url=base_url,
                is_production=production,
                probe_policy=policy,
                cors_origin=cors_origin,
                headers={h: v for h, v in values.items() if v is not None},
            )
            summary.created.append(label)
            return str(name)
        before = _environment_state(environment)
        environment_update(
            environment=environment,
            base_url=base_url,
            is_production=production,
            probe_policy=policy,
            cors_origin=cors_origin,
        )
        for header, value in values.items():
            if value is not None:
                secret_header_set(environment=environment, name=header, value=value)
        for stored in environment.secret_headers.all():
            if stored.name.lower() not in {h.lower() for h in headers}:
                secret_header_delete(environment=environment, name=stored.name)
        if _environment_state(environment) != before:
            summary.updated.append(label)
    return str(name)


def _environment_state(environment: Environment) -> tuple[Any, ...]:
    environment.refresh_from_db()
    return (
        environment.base_url,
        environment.is_production,
        environment.probe_policy,
        environment.cors_origin,
        tuple((h.name, h.value) for h in environment.secret_headers.order_by("name")),
    )


def _import_endpoint(service: Service, node: Node, summary: Summary) -> str:
    if isinstance(node.value, str):  # "- /health" is short for "- path: /health"
        node = Node({"path": (node, node)}, node.line)
    spec = _Reader(node, "an endpoint", ENDPOINT_KEYS)
    path = spec.get("path", str, required=True)
    samples = spec.get("samples", dict, {})
    samples = {k: str(v) for k, v in spec.plain("samples", {}).items()} if samples else {}
    policy = spec.get("policy", str)
    methods = spec.get("methods", list, [])
    methods = [str(m) for m in spec.plain("methods", [])] if methods else []
    endpoint = Endpoint.objects.filter(service=service, path=path).first()
    with _at(spec):
        if endpoint is None:
            endpoint_create(
                service=service,
                path=path,
                samples=samples,
                policy_override=policy,
                declared_methods=methods,
            )
            summary.created.append(f"endpoint {service.name} {path}")
            return str(path)
        before = (endpoint.samples, endpoint.policy_override, endpoint.declared_methods)
        endpoint_update(
            endpoint=endpoint,
            samples=samples,
            policy_override=policy,
            clear_policy_override=policy is None,
            declared_methods=methods,
        )
    if (endpoint.samples, endpoint.policy_override, endpoint.declared_methods) != before:
        summary.updated.append(f"endpoint {service.name} {path}")
    return str(path)


def _import_check(service: Service, node: Node, summary: Summary) -> str:
    from diagnoser.monitoring.models import DriftCheck
    from diagnoser.monitoring.services.drift_checks import drift_check_create, drift_check_update

    spec = _Reader(node, "a drift check", CHECK_KEYS)
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
    with _at(spec):
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


def _check_state(check: Any) -> tuple[Any, ...]:
    check.refresh_from_db()
    return (
        check.every_seconds,
        check.crontab,
        check.enabled,
        check.webhook_url,
        tuple(sorted(check.endpoints.values_list("id", flat=True))),
        tuple(sorted(check.environments.values_list("id", flat=True))),
    )


def _prune(
    service: Service, envs: set[str], paths: set[str], checks: set[str], summary: Summary
) -> None:
    from diagnoser.monitoring.services.drift_checks import drift_check_delete

    for check in service.drift_checks.exclude(name__in=checks):
        drift_check_delete(check=check)
        summary.deleted.append(f"drift check {service.name}/{check.name}")
    for environment in service.environments.exclude(name__in=envs):
        environment.delete()
        summary.deleted.append(f"environment {service.name}/{environment.name}")
    for endpoint in service.endpoints.exclude(path__in=paths):
        endpoint.delete()
        summary.deleted.append(f"endpoint {service.name} {endpoint.path}")


def export_inventory(*, workspace: Workspace) -> dict[str, Any]:
    """The workspace in the import shape. Secret values are replaced by {keep: true}."""
    from diagnoser.monitoring.services.drift_schedules import format_every

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
        services.append(
            {
                "name": service.name,
                "environments": environments,
                "endpoints": endpoints,
                "drift_checks": checks,
            }
        )
    return {"workspace": workspace.name, "services": services}
