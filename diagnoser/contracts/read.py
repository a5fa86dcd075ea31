"""A valid document to the contract it declares: per path, the methods and a sample for
each path parameter. References are resolved by the validator's own resolver
(jsonschema-path over `referencing`), so a path item, parameter or schema behind a $ref
reads like one written in place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema_path import SchemaPath

from .parse import parse_document
from .validate import validate_document

# Operation keys of a path item, per spec version; 3.2 adds QUERY and any other method
# under `additionalOperations`.
_OPERATIONS = {
    "2.0": ("get", "put", "post", "delete", "options", "head", "patch"),
    "3.0": ("get", "put", "post", "delete", "options", "head", "patch", "trace"),
    "3.1": ("get", "put", "post", "delete", "options", "head", "patch", "trace"),
    "3.2": ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query"),
}
# Matrix order first, then anything else a 3.2 document declares, alphabetically.
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY")


@dataclass(frozen=True)
class PathContract:
    path: str  # the template as the document writes it (after Swagger's basePath)
    methods: tuple[str, ...]  # upper case, matrix order
    samples: Mapping[str, str]  # path parameter -> a value from example, default or type


@dataclass(frozen=True)
class Server:
    url: str
    description: str


@dataclass(frozen=True)
class Contract:
    spec_version: str  # "2.0", "3.0", "3.1", "3.2"
    title: str
    version: str  # info.version: the document's own version
    paths: tuple[PathContract, ...]
    servers: tuple[Server, ...]

    @property
    def identity(self) -> str:
        return f"{self.title} {self.version}".strip()


def read_contract(raw: bytes | str) -> Contract:
    """ContractInvalid (with pointers) unless `raw` is a valid document."""
    document = parse_document(raw)
    version = validate_document(document)
    root = SchemaPath.from_dict(document)
    info = document.get("info") or {}
    base = _base_path(document) if version == "2.0" else ""
    paths = []
    if "paths" in root:
        for template in document["paths"]:
            item = root / "paths" / template
            methods = _methods(item, version)
            if methods:
                paths.append(
                    PathContract(
                        path=base + str(template),
                        methods=methods,
                        samples=_samples(item, methods),
                    )
                )
    return Contract(
        spec_version=version,
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        paths=tuple(paths),
        servers=_servers(document, version),
    )


def _methods(item: SchemaPath, version: str) -> tuple[str, ...]:
    found = {key.upper() for key in _OPERATIONS[version] if key in item}
    if version == "3.2" and "additionalOperations" in item:
        extra = (item / "additionalOperations").read_value()
        found |= {str(key).upper() for key in extra}
    return tuple(sorted(found, key=lambda m: (_ORDER.index(m) if m in _ORDER else 99, m)))


def _operations(item: SchemaPath, methods: Iterable[str]) -> Iterable[SchemaPath]:
    for method in methods:
        key = method.lower()
        if key in item:
            yield item / key
        elif "additionalOperations" in item:
            extra = item / "additionalOperations"
            if method in extra:
                yield extra / method


def _samples(item: SchemaPath, methods: Iterable[str]) -> dict[str, str]:
    """A value for every path parameter the path item or an operation declares; the
    path item's own come last so they win (operations may only narrow them)."""
    samples: dict[str, str] = {}
    for holder in [*_operations(item, methods), item]:
        if "parameters" not in holder:
            continue
        for parameter in holder / "parameters":
            value = parameter.read_value()
            if isinstance(value, dict) and value.get("in") == "path" and "name" in value:
                schema = parameter / "schema" if "schema" in parameter else parameter
                sample = _sample(value, _plain(schema))
                if sample is not None:
                    samples[str(value["name"])] = sample
    return samples


def _plain(schema: SchemaPath) -> dict[str, Any]:
    value = schema.read_value()
    return value if isinstance(value, dict) else {}


def _sample(parameter: Mapping[str, Any], schema: Mapping[str, Any]) -> str | None:
    """Example first (what the authors call typical), then default, then the type's
    value that names no object. None: let the probe pick its own (fill_path)."""
    for holder in (parameter, schema):
        if "example" in holder and _scalar(holder["example"]):
            return str(holder["example"])
        examples = holder.get("examples")
        if isinstance(examples, list) and examples and _scalar(examples[0]):
            return str(examples[0])
        if isinstance(examples, dict):
            for example in examples.values():
                if isinstance(example, dict) and _scalar(example.get("value")):
                    return str(example["value"])
    if "default" in schema and _scalar(schema["default"]):
        return str(schema["default"])
    if isinstance(schema.get("enum"), list) and schema["enum"] and _scalar(schema["enum"][0]):
        return str(schema["enum"][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if schema.get("format") == "uuid":
        return "00000000-0000-0000-0000-000000000000"
    if kind in ("integer", "number"):
        return "0"
    if kind == "boolean":
        return "false"
    if kind == "string":
        return "none"
    return None


def _scalar(value: object) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _base_path(document: Mapping[str, Any]) -> str:
    base = str(document.get("basePath") or "").rstrip("/")
    return base if base.startswith("/") else ""


def _servers(document: Mapping[str, Any], version: str) -> tuple[Server, ...]:
    if version == "2.0":
        host = document.get("host")
        if not host:
            return ()
        schemes = document.get("schemes") or ["https"]
        return tuple(Server(f"{s}://{host}{_base_path(document)}", "") for s in schemes)
    return tuple(
        Server(str(s.get("url", "")), str(s.get("description", "")))
        for s in document.get("servers") or ()
        if isinstance(s, dict) and s.get("url") and "{" not in str(s.get("url"))
    )
