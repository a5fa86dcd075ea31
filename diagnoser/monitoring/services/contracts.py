"""OpenAPI documents in: read from text or fetched from a URL through the guarded outbound
path, imported into a service, and the endpoints they add or change probed at once. A
document imported by URL is fetched again on beat's schedule (contracts_refetch)."""

from __future__ import annotations

import logging

from diagnoser.contracts.errors import ContractInvalid, DocumentError
from diagnoser.contracts.parse import MAX_DOCUMENT_BYTES
from diagnoser.contracts.read import Contract, read_contract
from diagnoser.inventory.contract_import import ContractImport, contract_import
from diagnoser.inventory.models import Service
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.queue import BrokerUnavailable
from diagnoser.monitoring.services.alert_events import contract_alerts_queue
from diagnoser.monitoring.services.probe_schedules import targets_probe_now
from diagnoser.probing.config import EngineConfig
from diagnoser.probing.outbound import send_once

log = logging.getLogger(__name__)


def contract_fetch(*, url: str, config: EngineConfig | None = None) -> bytes:
    """The document at `url`, read through the probe guard (private addresses refused
    unless allowlisted, no redirects, a total deadline, at most MAX_DOCUMENT_BYTES).
    config: the engine configuration when not the settings' own (the CLI's
    --allow-private)."""
    if not url.startswith(("http://", "https://")):
        raise ContractInvalid([DocumentError("", f"{url!r} is not an http(s) URL")])
    result = send_once(
        method="GET",
        url=url,
        config=config or engine_config(),
        headers={"Accept": "application/json, application/yaml;q=0.9, */*;q=0.5"},
        max_bytes=MAX_DOCUMENT_BYTES,
    )
    if result.status is None:
        raise ContractInvalid([DocumentError("", f"fetching {url} failed: {result.error}")])
    if not result.ok:
        raise ContractInvalid(
            [
                DocumentError(
                    "",
                    f"{url} answered {result.status}; give the URL of the document itself "
                    "(redirects are not followed)",
                )
            ]
        )
    if result.truncated:
        raise ContractInvalid(
            [DocumentError("", f"{url} sent more than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB")]
        )
    return result.body


def contract_apply(
    *, service: Service, contract: Contract, map_servers: bool = False, source_url: str = ""
) -> ContractImport:
    """Import the contract, remember where it came from and alert the service's channels
    to what it changed: the one door the import page, the inventory file, the API and the
    scheduled re-fetch go through. source_url: the URL fetched again on schedule; ""
    (an upload, a file) ends that."""
    result = contract_import(service=service, contract=contract, map_servers=map_servers)
    service_openapi_url_set(service=service, url=source_url)
    contract_alerts_queue(service=service, changes=result.changes)
    return result


def contract_import_text(
    *,
    service: Service,
    text: bytes | str,
    map_servers: bool = False,
    probe: bool = True,
    source_url: str = "",
) -> ContractImport:
    """Validate and import; ContractInvalid (nothing imported) lists every error with its
    JSON pointer. With probe, new and changed endpoints are probed once it commits (a
    broker that is down leaves them to the schedule)."""
    result = contract_apply(
        service=service,
        contract=read_contract(text),
        map_servers=map_servers,
        source_url=source_url,
    )
    if probe and result.probe_endpoints:
        try:
            targets_probe_now(endpoints=result.probe_endpoints)
        except BrokerUnavailable as error:  # saved; the sweeper and the schedule probe them
            result.probes_deferred = str(error)
    return result


def contract_import_url(*, service: Service, url: str, map_servers: bool = False) -> ContractImport:
    """Fetch, validate and import, then remember the URL for the scheduled re-fetch."""
    return contract_import_text(
        service=service, text=contract_fetch(url=url), map_servers=map_servers, source_url=url
    )


def service_openapi_url_set(*, service: Service, url: str) -> None:
    """Where the document comes from: a URL is re-fetched on schedule, "" never."""
    if service.openapi_url != url:
        service.openapi_url = url
        service.save(update_fields=["openapi_url"])


def contracts_refetch() -> dict[str, int]:
    """Fetch every service's document again and import what changed. A document that
    fails now (unreachable, invalid) changes nothing: its service keeps its contracts
    and the failure is logged with what to fix."""
    counts = {"services": 0, "changes": 0, "failed": 0}
    for service in Service.objects.exclude(openapi_url=""):
        counts["services"] += 1
        try:
            result = contract_import_text(
                service=service,
                text=contract_fetch(url=service.openapi_url),
                source_url=service.openapi_url,
            )
        except ContractInvalid as error:
            counts["failed"] += 1
            log.warning(
                "OpenAPI document of service %s (%s) not re-imported: %s",
                service.id,
                service.openapi_url,
                error,
            )
            continue
        counts["changes"] += len(result.changes)
    return counts
