"""`manage.py diagnose --openapi`: every path of a document probed against the methods it
declares, on a real FastAPI app that publishes its own /openapi.json."""

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from tests.analysis.test_contract_on_real_servers import _with_patch
from tests.cli.running import call
from tests.cli.sarif import valid_sarif
from tests.servers.fixtures import Server


def test_a_documents_url_gives_one_testsuite_per_path_template(fastapi_documented: Server):
    result = call(
        "--openapi",
        fastapi_documented.url("/openapi.json"),
        "--base-url",
        fastapi_documented.base_url,
        "--allow-private",
        "--format",
        "junit",
    )

    assert result.returncode in (0, 1), result.stderr
    suites = {s.get("name"): s for s in ET.fromstring(result.stdout).iter("testsuite")}
    assert list(suites) == ["/items", "/items/{item_id}"]
    uri = suites["/items/{item_id}"].find("properties/property[@name='uri']")
    assert uri is not None
    assert uri.get("value") == fastapi_documented.url("/items/0")  # the document's sample


def test_a_declared_method_the_app_lacks_fails_the_gate_in_sarif(
    fastapi_documented: Server, tmp_path: Path
):
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(_with_patch(fastapi_documented)))

    result = call(
        "--openapi",
        str(path),
        "--base-url",
        fastapi_documented.base_url,
        "--allow-private",
        "--format",
        "sarif",
    )

    assert result.returncode == 1, result.stderr
    results = valid_sarif(result.stdout)["runs"][0]["results"]
    [missing] = [r for r in results if r["ruleId"] == "contract_method_missing"]
    assert missing["level"] == "error"
    assert missing["message"]["text"].startswith("/items/{item_id}: ")
    assert [loc["name"] for loc in missing["locations"][0]["logicalLocations"]] == ["PATCH"]


def test_a_broken_document_exits_2_naming_each_error_by_its_pointer(tmp_path: Path):
    path = tmp_path / "openapi.yaml"
    path.write_text("openapi: 3.1.0\ninfo: {title: Shop}\npaths:\n  /orders:\n    get: {}\n")

    result = call("--openapi", str(path), "--base-url", "http://127.0.0.1:9")

    assert result.returncode == 2
    assert "/info: 'version' is a required property" in result.stderr


def test_without_base_url_the_documents_one_server_is_probed_else_exit_2(tmp_path: Path):
    path = tmp_path / "openapi.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: Shop, version: '1'}\n"
        "servers: [{url: 'http://127.0.0.1:9/v1'}, {url: 'https://shop.example/v1'}]\n"
        "paths:\n  /orders:\n    get: {responses: {'200': {description: ok}}}\n"
    )

    two = call("--openapi", str(path))
    assert two.returncode == 2
    assert "--base-url is needed" in two.stderr

    path.write_text(path.read_text().replace(", {url: 'https://shop.example/v1'}", ""))
    one = call("--openapi", str(path), "--allow-private", "--json")
    assert one.returncode == 1  # nothing listens on port 9: probe_failed
    [diagnosis] = json.loads(one.stdout)["diagnoses"]
    assert diagnosis["url"] == "http://127.0.0.1:9/v1/orders"
