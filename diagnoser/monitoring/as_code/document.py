"""Reading an inventory file: YAML or JSON into nodes that remember their line.

Every complaint, from the parser or from a service's validation, names the line at
fault (YAML node marks; JSON parses as YAML too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from django.core.exceptions import ValidationError
from django.db.models import Model


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
    # What was created or changed in a way that changes its answers (URL, policy, origin,
    # headers, samples): probed at once when the import commits.
    probe_endpoints: list[Any] = field(default_factory=list)
    probe_environments: list[Any] = field(default_factory=list)
    probes_queued: int = 0
    # Set when the broker was down: the import is saved, probing waits for the schedule.
    probes_deferred: str = ""

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


class Reader:
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
    "probing_paused": "paused",
}


@contextmanager
def at(spec: Reader) -> Iterator[None]:
    """Report a service-layer ValidationError at the line of the key it is about."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise InventoryError("; ".join(error.messages), line=spec.line()) from None
        field, messages = next(iter(error.message_dict.items()))
        key = _FILE_KEYS.get(field, field)
        raise InventoryError(f"{key}: {' '.join(messages)}", line=spec.line(key)) from None


T = TypeVar("T", bound=Model)


def upsert(
    *,
    spec: Reader,
    summary: Summary,
    label: str,
    stored: T | None,
    create: Callable[[], T],
    update: Callable[[T], object],
    state: Callable[[T], Any],
) -> tuple[T, Any, Any]:
    """Create the entry or update it, each file entry the same way: complaints at their
    line, and `updated` only where the stored state (read by `state`) really changed.
    Returns the entry and its state before and after (both None when it was created)."""
    with at(spec):
        if stored is None:
            created = create()
            summary.created.append(label)
            return created, None, None
        before = state(stored)
        update(stored)
    stored.refresh_from_db()  # what was saved, not what the update left in memory
    after = state(stored)
    if after != before:
        summary.updated.append(label)
    return stored, before, after
