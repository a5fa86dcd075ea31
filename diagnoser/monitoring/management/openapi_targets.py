"""`manage.py diagnose --openapi FILE|URL`: the document's paths as URL templates to probe,
each with the methods it declares.

A URL is fetched through the guarded outbound path (contract_fetch, as an import by URL);
a file is read from disk. The paths go under --base-url as the document writes them
(Swagger 2.0's after its basePath); without --base-url, the document's one absolute
`servers` URL (OpenAPI 3) is the base.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from diagnoser.contracts.errors import ContractInvalid
from diagnoser.contracts.read import Contract, PathContract, read_contract
from diagnoser.monitoring.services.contracts import contract_fetch
from diagnoser.probing.config import EngineConfig


class OpenAPIUnusable(Exception):
    """The document can't give targets; the message says what to do (exit status 2)."""


@dataclass(frozen=True)
class DeclaredPath:
    url: str  # the base URL and the path template: https://api.example/items/{id}
    contract: PathContract


def openapi_paths(*, source: str, base_url: str | None, config: EngineConfig) -> list[DeclaredPath]:
    contract = _read(source, config)
    base = (base_url or _server_base(contract, source)).rstrip("/")
    if not contract.paths:
        raise OpenAPIUnusable(f"{source} declares no operations: nothing to probe")
    return [DeclaredPath(base + declared.path, declared) for declared in contract.paths]


def _read(source: str, config: EngineConfig) -> Contract:
    try:
        if source.startswith(("http://", "https://")):
            raw = contract_fetch(url=source, config=config)
        else:
            raw = Path(source).read_bytes()
        return read_contract(raw)
    except OSError as error:
        raise OpenAPIUnusable(
            f"cannot read {source}: {error.strerror}; give a file or an http(s) URL"
        ) from None
    except ContractInvalid as error:
        lines = "\n".join(f"  {e}" for e in error.errors)
        raise OpenAPIUnusable(
            f"{source} is not a valid OpenAPI document (fix these, by JSON pointer):\n{lines}"
        ) from None


def _server_base(contract: Contract, source: str) -> str:
    absolute = [s.url for s in contract.servers if s.url.startswith(("http://", "https://"))]
    # Swagger 2.0's server URL holds its basePath, which its paths hold too.
    if contract.spec_version != "2.0" and len(absolute) == 1 and len(contract.servers) == 1:
        return absolute[0]
    servers = ", ".join(s.url for s in contract.servers)
    found = f"its servers: {servers}" if servers else "it has no servers"
    raise OpenAPIUnusable(
        f"--base-url is needed: {source} names no single absolute server URL to probe "
        f"({found}); give the deployment to check, e.g. --base-url https://staging.example"
    )
