"""Importing an OpenAPI document into a service: its paths become endpoints and their
declared methods the endpoints' contracts, all or nothing.

A re-import that changes a path's methods records a ContractChange (contract drift over
time); a path gone from the document loses its contract, recorded the same way. Samples
the team set stay: the document only fills placeholders that have none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from diagnoser.contracts.errors import ContractInvalid, DocumentError, pointer
from diagnoser.contracts.read import Contract, PathContract
from diagnoser.inventory.models import ContractChange, Endpoint, Environment, Service
from diagnoser.inventory.services import (
    _service_lock,
    endpoint_path_validate,
    environment_create,
    service_room_validate,
    validate_endpoint,
)
from diagnoser.probing.urls import placeholders

SPEC_NAMES = {
    "2.0": "Swagger 2.0",
    "3.0": "OpenAPI 3.0",
    "3.1": "OpenAPI 3.1",
    "3.2": "OpenAPI 3.2",
}


def contract_source(contract: Contract) -> str:
    return f"{contract.identity} ({SPEC_NAMES[contract.spec_version]})"[:300]


@dataclass
class ContractImport:
    """What an import did, for the page or command that ran it."""

    source: str
    created: list[Endpoint] = field(default_factory=list)
    changes: list[ContractChange] = field(default_factory=list)
    unchanged: int = 0
    environments: list[str] = field(default_factory=list)  # created from `servers`
    # Set when the broker was down: the import is saved, probing waits for the schedule.
    probes_deferred: str = ""

    @property
    def probe_endpoints(self) -> list[Endpoint]:
        """New endpoints and those whose contract changed: their findings depend on it."""
        return [*self.created, *(change.endpoint for change in self.changes)]


def contract_import(
    *, service: Service, contract: Contract, map_servers: bool = False
) -> ContractImport:
    """Apply the document to the service in one transaction; ContractInvalid (with the
    pointer of each path at fault) imports nothing.

    map_servers: create an environment per `servers` URL no environment has yet. Only
    when asked: a document's servers are often examples, not deployments.
    """
    source = contract_source(contract)
    result = ContractImport(source=source)
    errors = [
        DocumentError(pointer(["paths", p.path]), message)
        for p in contract.paths
        for message in _path_problems(p)
    ]
    if errors:
        raise ContractInvalid(errors)
    with transaction.atomic():
        _service_lock(service)
        stored = {e.path: e for e in service.endpoints.all()}
        new = [p for p in contract.paths if p.path not in stored]
        _archived_validate(service, [p.path for p in new])
        try:
            service_room_validate(service=service, endpoints=len(new))
        except ValidationError as error:
            raise ContractInvalid([DocumentError("/paths", " ".join(error.messages))]) from None
        result.created = Endpoint.objects.bulk_create(
            Endpoint(
                service=service,
                path=p.path,
                samples=dict(p.samples),
                declared_methods=list(p.methods),
                contract_source=source,
            )
            for p in new
        )
        for declared in contract.paths:
            endpoint = stored.get(declared.path)
            if endpoint is not None:
                _update(endpoint, declared, source, result)
        listed = {p.path for p in contract.paths}
        for endpoint in stored.values():
            if endpoint.contract_source and endpoint.path not in listed:
                _drop(endpoint, source, result)
        if map_servers:
            result.environments = _environments(service, contract)
    return result


def _path_problems(declared: PathContract) -> list[str]:
    try:
        validate_endpoint(
            path=declared.path, samples=declared.samples, declared_methods=declared.methods
        )
    except ValidationError as error:
        return list(error.messages)
    return []


def _archived_validate(service: Service, paths: list[str]) -> None:
    """A path the document adds that an archived endpoint still holds is the name rule's
    clash (endpoint_path_validate says where to restore or delete it), not a crash on the
    unique constraint: one query, and the rule's own words for each clash."""
    problems = []
    archived = Endpoint.all_objects.filter(service=service, archived_at__isnull=False)
    for path in archived.filter(path__in=paths).values_list("path", flat=True):
        try:
            endpoint_path_validate(service=service, path=path)
        except ValidationError as error:
            problems.append(DocumentError(pointer(["paths", path]), " ".join(error.messages)))
    if problems:
        raise ContractInvalid(problems)


def _update(
    endpoint: Endpoint, declared: PathContract, source: str, result: ContractImport
) -> None:
    before = set(endpoint.declared_methods)
    after = set(declared.methods)
    samples = {
        name: declared.samples[name]
        for name in placeholders(endpoint.path)
        if name in declared.samples and name not in endpoint.samples
    }
    if before == after and endpoint.contract_source == source and not samples:
        result.unchanged += 1
        return
    if before != after:
        result.changes.append(
            ContractChange.objects.create(
                endpoint=endpoint,
                source=source,
                added=[m for m in declared.methods if m not in before],
                removed=[m for m in endpoint.declared_methods if m not in after],
            )
        )
    else:
        result.unchanged += 1
    endpoint.declared_methods = list(declared.methods)
    endpoint.contract_source = source
    endpoint.samples = {**endpoint.samples, **samples}
    endpoint.save(update_fields=["declared_methods", "contract_source", "samples"])


def _drop(endpoint: Endpoint, source: str, result: ContractImport) -> None:
    """The path left the document: it has no contract any more (the endpoint stays,
    with its history; delete it on the service page if it is gone for good)."""
    if endpoint.declared_methods:
        result.changes.append(
            ContractChange.objects.create(
                endpoint=endpoint, source=source, added=[], removed=endpoint.declared_methods
            )
        )
    endpoint.declared_methods = []
    endpoint.contract_source = ""
    endpoint.save(update_fields=["declared_methods", "contract_source"])


def _environments(service: Service, contract: Contract) -> list[str]:
    every = Environment.all_objects.filter(service=service)  # archived names are taken too
    rows = list(every.values_list("name", "base_url", "archived_at"))
    known = {url.rstrip("/") for _, url, archived_at in rows if archived_at is None}
    names = {name for name, _, _ in rows}
    created = []
    for index, server in enumerate(contract.servers):
        url = server.url.rstrip("/")
        if url in known or not url.startswith(("http://", "https://")):
            continue
        name = (server.description or urlsplit(url).hostname or f"server {index + 1}")[:50]
        if name in names:
            name = f"{name[:45]} {index + 1}"
        try:
            environment_create(service=service, name=name, base_url=url)
        except ValidationError as error:
            raise ContractInvalid(
                [DocumentError(pointer(["servers", index, "url"]), " ".join(error.messages))]
            ) from None
        known.add(url)
        names.add(name)
        created.append(name)
    return created
