"""The conformance rules against real frameworks and the documents they publish:
FastAPI's /openapi.json, drf-spectacular's /schema/ and a Swagger 2.0 file, each run
as served and with deliberate mismatches."""

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.model import Diagnosis
from diagnoser.contracts.read import Contract, PathContract, read_contract
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbePolicy, Target
from diagnoser.probing.outbound import send_once
from diagnoser.probing.urls import fill_path
from tests.probing.servers import local_config
from tests.servers.fixtures import Server
from tests.servers.runners import run_drf
from tests.stubs import Reply, StubServer, per_method, serving

CONTRACT_RULES = {
    "contract_method_missing",
    "undocumented_method_served",
    "undeclared_method_not_rejected",
    "contract_allow_mismatch",
}
SWAGGER = Path(__file__).parents[1] / "contracts" / "documents" / "fastapi_items_swagger2.yaml"


@pytest.fixture(scope="module")
def drf_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_drf(tmp_path_factory.mktemp("drf")) as server:
        yield server


def _document(server: Server, path: str) -> bytes:
    """Fetched as the importer does: through the guarded outbound path."""
    result = send_once(method="GET", url=server.url(path), config=local_config(), max_bytes=1 << 20)
    assert result.status == 200, result.error
    return result.body


def _with_patch(server: Server) -> dict:
    """FastAPI's document, declaring a PATCH on /items/{item_id} that was never built."""
    document = json.loads(_document(server, "/openapi.json"))
    operations = document["paths"]["/items/{item_id}"]
    operations["patch"] = {**copy.deepcopy(operations["get"]), "operationId": "patch_item"}
    return document


def _declared(contract: Contract, path: str) -> PathContract:
    return next(p for p in contract.paths if p.path == path)


def _diagnose(
    engine: ProbeEngine, server: Server | StubServer, declared: PathContract, policy: ProbePolicy
) -> Diagnosis:
    target = Target(
        url=server.url(fill_path(declared.path, declared.samples)),
        policy=policy,
        template=server.url(declared.path) if "{" in declared.path else None,
        samples=tuple(declared.samples.items()),
    )
    return diagnose(engine.probe(target), declared=declared.methods)


def _contract_findings(diagnosis: Diagnosis) -> dict[str, tuple[str, ...]]:
    return {f.rule: f.evidence.methods for f in diagnosis.findings if f.rule in CONTRACT_RULES}


def test_fastapi_as_documented_only_misses_post_in_its_405s_allow(
    loopback_engine, fastapi_documented
):
    contract = read_contract(_document(fastapi_documented, "/openapi.json"))
    assert contract.spec_version == "3.1"
    items = _declared(contract, "/items")
    assert items.methods == ("GET", "POST")
    found = _contract_findings(
        _diagnose(loopback_engine, fastapi_documented, items, ProbePolicy.FULL)
    )
    # FastAPI's split routes: the 405 lists the first route's methods only.
    assert found == {"contract_allow_mismatch": ("POST",)}
    one = _declared(contract, "/items/{item_id}")
    assert one.samples == {"item_id": "0"}
    found = _contract_findings(
        _diagnose(loopback_engine, fastapi_documented, one, ProbePolicy.FULL)
    )
    assert found == {"contract_allow_mismatch": ("DELETE", "PUT")}


def test_fastapi_behind_its_document_misses_patch_and_serves_an_undocumented_delete(
    loopback_engine, fastapi_documented
):
    document = _with_patch(fastapi_documented)
    del document["paths"]["/items/{item_id}"]["delete"]
    one = _declared(read_contract(json.dumps(document)), "/items/{item_id}")
    diagnosis = _diagnose(loopback_engine, fastapi_documented, one, ProbePolicy.FULL)
    found = _contract_findings(diagnosis)
    assert found["contract_method_missing"] == ("PATCH",)
    assert found["undocumented_method_served"] == ("DELETE",)
    missing = next(f for f in diagnosis.findings if f.rule == "contract_method_missing")
    assert missing.severity.value == "error"
    answer = next(a for a in diagnosis.answers if a.method == "PATCH")
    assert answer.cause == "contract_method_missing"


def test_under_the_safe_policy_an_unsent_method_yields_no_contract_finding(
    loopback_engine, fastapi_documented
):
    document = json.loads(_document(fastapi_documented, "/openapi.json"))
    del document["paths"]["/items"]["post"]  # POST is served, but safe never sends it
    items = _declared(read_contract(json.dumps(document)), "/items")
    found = _contract_findings(
        _diagnose(loopback_engine, fastapi_documented, items, ProbePolicy.SAFE)
    )
    assert "undocumented_method_served" not in found
    assert "contract_method_missing" not in found


def test_under_the_safe_policy_a_declared_patch_is_judged_on_the_phantom_id(
    loopback_engine, fastapi_documented
):
    one = _declared(read_contract(json.dumps(_with_patch(fastapi_documented))), "/items/{item_id}")
    found = _contract_findings(
        _diagnose(loopback_engine, fastapi_documented, one, ProbePolicy.SAFE)
    )
    assert found["contract_method_missing"] == ("PATCH",)


def test_drf_spectacular_yaml_matches_drf_and_a_declared_patch_does_not(
    loopback_engine, drf_server
):
    raw = _document(drf_server, "/schema/")
    assert raw.lstrip().startswith(b"openapi:")  # drf-spectacular serves YAML
    contract = read_contract(raw)
    one = _declared(contract, "/items/{id}/")
    assert one.methods == ("GET", "PUT", "DELETE")
    # DRF answers OPTIONS and HEAD itself: neither is undocumented.
    assert _contract_findings(_diagnose(loopback_engine, drf_server, one, ProbePolicy.FULL)) == {}
    document = yaml.safe_load(raw)
    operations = document["paths"]["/items/{id}/"]
    operations["patch"] = {**operations["put"], "operationId": "items_patch"}
    one = _declared(read_contract(json.dumps(document)), "/items/{id}/")
    found = _contract_findings(_diagnose(loopback_engine, drf_server, one, ProbePolicy.FULL))
    assert found == {
        "contract_method_missing": ("PATCH",),
        "contract_allow_mismatch": ("PATCH",),
    }


def test_a_swagger_2_file_against_fastapi(loopback_engine, fastapi_documented):
    contract = read_contract(SWAGGER.read_bytes())
    one = _declared(contract, "/items/{item_id}")
    found = _contract_findings(
        _diagnose(loopback_engine, fastapi_documented, one, ProbePolicy.FULL)
    )
    assert found["contract_method_missing"] == ("PATCH",)
    assert found["undocumented_method_served"] == ("DELETE",)


def test_a_documented_trailing_slash_that_fastapi_redirects_is_not_a_405(
    loopback_engine, fastapi_documented
):
    # The document (written by hand, as Swagger 2.0) says /items/; FastAPI routes /items
    # and answers every method on /items/ with a 307 to it.
    contract = read_contract(
        "swagger: '2.0'\ninfo: {title: Items, version: '1'}\n"
        "paths:\n  /items/:\n    get:\n      responses: {200: {description: items}}\n"
    )
    found = _contract_findings(
        _diagnose(loopback_engine, fastapi_documented, contract.paths[0], ProbePolicy.FULL)
    )
    assert set(found["undeclared_method_not_rejected"]) >= {"POST", "PUT", "PATCH", "DELETE"}
    assert "contract_method_missing" not in found  # GET is redirected, not rejected


NOT_FOUND_PAGE = Reply(404, b"<h1>Not Found</h1>", {"Content-Type": "text/html"})
JSON = {"Content-Type": "application/json"}


def test_a_404_that_is_the_routers_fall_through_means_a_declared_method_is_missing(
    loopback_engine,
):
    # Routers without method routing answer every unregistered verb, the made-up one
    # too, with the same 404 page.
    replies = {"GET": Reply(200, b"[]", JSON), "HEAD": Reply(200, b"", JSON)}
    with serving(per_method(replies, otherwise=NOT_FOUND_PAGE)) as server:
        orders = PathContract(path="/orders", methods=("GET", "DELETE"), samples={})
        found = _contract_findings(_diagnose(loopback_engine, server, orders, ProbePolicy.FULL))
    assert found["contract_method_missing"] == ("DELETE",)


def test_a_404_from_a_handler_that_found_no_object_is_not_a_missing_method(loopback_engine):
    # The router refuses the made-up verb with 405, so DELETE's 404 (a JSON "no such
    # order") is the handler's: DELETE was routed.
    allow = {"Allow": "GET, HEAD, DELETE", **JSON}
    replies = {
        "GET": Reply(200, b"{}", JSON),
        "HEAD": Reply(200, b"", JSON),
        "DELETE": Reply(404, b'{"detail": "no such order"}', JSON),
    }
    with serving(per_method(replies, otherwise=Reply(405, b"", allow))) as server:
        order = PathContract(path="/orders/7", methods=("GET", "DELETE"), samples={})
        found = _contract_findings(_diagnose(loopback_engine, server, order, ProbePolicy.FULL))
    assert "contract_method_missing" not in found
