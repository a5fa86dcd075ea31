"""A service's `openapi:` key: its document's paths become endpoints with contracts.

    openapi: shop-openapi.yaml                    # beside the inventory file
    openapi: https://shop.example/openapi.json    # fetched like a probe
    openapi: {url: https://..., servers: true}    # servers become environments

A file is read only when the importer says where files are (manage.py import_inventory:
the inventory file's folder); anything else may name URLs only, so an inventory that
arrives over the network can't read the server's disk.
"""

from __future__ import annotations

from pathlib import Path

from diagnoser.contracts.errors import ContractInvalid
from diagnoser.contracts.read import read_contract
from diagnoser.inventory.models import Service
from diagnoser.monitoring.as_code.document import InventoryError, Node, Reader, Summary
from diagnoser.monitoring.services.contracts import contract_apply, contract_fetch

OPENAPI_KEYS = {"url", "file", "servers"}


def import_openapi(
    service: Service, spec: Reader, summary: Summary, *, files_from: Path | None
) -> set[str]:
    """Import the service's document, if it names one; the paths it declares."""
    node = spec.raw("openapi")
    if node is None or node.value is None:
        return set()
    location, servers = _location(node)
    try:
        raw = _read(location, files_from, node.line)
        remote = location.startswith(("http://", "https://"))
        result = contract_apply(
            service=service,
            contract=read_contract(raw),
            map_servers=servers,
            source_url=location if remote else "",
        )
    except ContractInvalid as error:
        problems = "; ".join(str(e) for e in error.errors[:5])
        more = f" (and {len(error.errors) - 5} more)" if len(error.errors) > 5 else ""
        raise InventoryError(f"openapi {location}: {problems}{more}", line=node.line) from None
    summary.created += [f"endpoint {service.name} {e.path}" for e in result.created]
    summary.created += [f"environment {service.name}/{name}" for name in result.environments]
    summary.updated += [
        f"contract {service.name} {c.endpoint.path}: "
        + " ".join([*(f"+{m}" for m in c.added), *(f"-{m}" for m in c.removed)])
        for c in result.changes
    ]
    summary.probe_endpoints += result.probe_endpoints
    return {
        str(p) for p in service.endpoints.exclude(contract_source="").values_list("path", flat=True)
    }


def _location(node: Node) -> tuple[str, bool]:
    if isinstance(node.value, str):
        return node.value, False
    spec = Reader(node, "openapi", OPENAPI_KEYS)
    url, file = spec.get("url", str), spec.get("file", str)
    if bool(url) == bool(file):
        raise InventoryError("openapi needs one of 'url' or 'file'", line=node.line)
    return str(url or file), bool(spec.get("servers", bool, False))


def _read(location: str, files_from: Path | None, line: int) -> bytes:
    if location.startswith(("http://", "https://")):
        return contract_fetch(url=location)
    if files_from is None:
        raise InventoryError(
            f"openapi {location}: only manage.py import_inventory reads files; give the "
            "document's URL",
            line=line,
        )
    path = files_from / location
    try:
        return path.read_bytes()
    except OSError as error:
        raise InventoryError(f"openapi: cannot read {path}: {error.strerror}", line=line) from None
