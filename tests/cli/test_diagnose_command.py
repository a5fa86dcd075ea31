"""`manage.py diagnose` as a person runs it: a subprocess against real local servers."""

import json
import shutil
from typing import Any

import pytest

from tests.cli.running import FULL, run, run_local
from tests.servers.fixtures import Server


def test_it_prints_matrix_findings_and_checklist_and_exits_1_on_errors(
    broken_gateway: Server,
) -> None:
    result = run_local(broken_gateway.base_url + "/broken", policy="full")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "preflight:DELETE" in out
    assert "missing_allow_on_405" in out
    assert "CHECKLIST" in out
    assert "1. Does a route match the URL?" in out


def test_it_exits_0_when_nothing_reaches_the_fail_on_level(broken_gateway: Server) -> None:
    result = run_local(broken_gateway.base_url + "/guarded", policy="full")
    assert result.returncode == 0, result.stdout + result.stderr


def test_fail_on_warning_also_fails_on_warnings(broken_gateway: Server) -> None:
    url = broken_gateway.base_url + "/reflect"  # warnings, no errors
    assert run(url, *FULL).returncode == 0
    assert run(url, *FULL, "--fail-on", "warning").returncode == 1


def test_json_output_is_the_documented_document(broken_gateway: Server) -> None:
    result = run_local(
        broken_gateway.base_url + "/correct",
        "--json",
        policy="full",
        origin="https://app.example",
        header="Authorization: Bearer hush-hush",
    )
    document = json.loads(result.stdout)
    assert document["schema"] == "diagnoser.diagnosis/1"
    assert document["url"] == broken_gateway.base_url + "/correct"
    probes = [o["probe"] for o in document["observations"]]
    assert probes[:2] == ["GET", "HEAD"]
    assert "preflight:PUT" in probes
    preflight = next(o for o in document["observations"] if o["probe"] == "preflight:POST")
    assert preflight["kind"] == "preflight"
    assert preflight["method"] == "POST"
    assert preflight["headers"]["access-control-allow-origin"] == "https://app.example"
    for observation in document["observations"]:
        assert set(observation) >= {"probe", "kind", "method", "status", "headers", "error"}
        assert all(name == name.lower() for name in observation["headers"])
    # A correct stack has no finding; POST was performed, which is a note of the same shape.
    assert document["findings"] == []
    assert {"rule", "severity", "title", "evidence", "fix", "reproduce"} <= set(
        document["notes"][0]
    )
    assert document["answer"]["cause"] is None
    assert document["checklist"]
    assert "hush-hush" not in result.stdout


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/", "scheme"),
        ("http://", "host"),
        ("not a url", "URL"),
        ("http://example.com:99999/", "port"),
    ],
)
def test_bad_urls_exit_2_with_a_one_line_reason(url: str, reason: str) -> None:
    result = run(url)
    assert result.returncode == 2
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_malformed_header_exits_2() -> None:
    result = run("http://127.0.0.1/", "--header", "no colon here")
    assert result.returncode == 2
    assert "Name: value" in result.stderr


def test_a_framing_header_exits_2() -> None:
    result = run("http://127.0.0.1/", "--header", "Content-Length: 60")
    assert result.returncode == 2
    assert "Content-Length frames the request" in result.stderr


def test_loopback_without_the_allowlist_is_refused_with_what_to_do(broken_gateway: Server) -> None:
    result = run(broken_gateway.base_url + "/correct")
    assert result.returncode == 2
    assert "DIAGNOSER_ALLOW_NETWORKS" in result.stderr


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare(1)")
@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://10.1.2.3/"],
)
def test_metadata_and_private_addresses_are_refused_even_with_allow_private_in_a_sealed_netns(
    url: str,
) -> None:
    args = [url] if url.startswith("http://10.") else [url, "--allow-private"]
    result = run(*args, netns=True)
    if "Operation not permitted" in result.stderr:
        pytest.skip("unshare -n needs root or user namespaces")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "refused to probe" in result.stderr


def test_method_prints_the_answer_first_for_that_method(flask_server: Server) -> None:
    result = run_local(
        flask_server.base_url + "/items/1",
        policy="full",
        method="patch",
        origin="https://app.example",
    )
    out = result.stdout
    answer = out.index("ANSWER for PATCH: rejected 405, cause: method_not_supported")
    assert answer < out.index("PROBE") < out.index("FINDINGS")
    assert "PATCH is not in this route's methods (Allow: " in out
    assert "[!]  2. Is the method one the resource accepts?" in out


def test_json_has_the_answer_and_notes_at_the_top_level(django_server: Server) -> None:
    result = run_local(
        django_server.base_url + "/items/1/", "--json", policy="full", method="PATCH"
    )
    document = json.loads(result.stdout)
    assert set(document["answer"]) == {
        "method",
        "verdict",
        "status",
        "cause",
        "layer",
        "sentence",
        "fix",
        "reproduce",
    }
    assert (document["answer"]["method"], document["answer"]["cause"]) == (
        "PATCH",
        "method_not_supported",
    )
    assert "require_http_methods" in document["answer"]["sentence"]
    assert [n["rule"] for n in document["notes"]] == ["precondition_ignored"]
    assert "precondition_ignored" not in {f["rule"] for f in document["findings"]}


def test_fail_on_never_counts_notes(django_server: Server) -> None:
    # PUT and DELETE performed despite the failing If-Match: a note about our probe, and
    # the resource itself has no warning or error.
    result = run_local(django_server.base_url + "/items/1/", policy="full", fail_on="warning")
    assert "precondition_ignored" in result.stdout
    assert result.returncode == 0, result.stdout + result.stderr


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _sent(document: dict[str, Any]) -> list[str]:
    return [o["probe"] for o in document["observations"] if o["kind"] != "preflight"]


def test_the_default_policy_is_safe_and_sends_no_unsafe_verb_to_the_url(
    broken_gateway: Server,
) -> None:
    result = run_local(broken_gateway.base_url + "/correct", "--json")

    assert not UNSAFE & set(_sent(json.loads(result.stdout)))
    assert "warning" not in result.stderr


def test_the_full_policy_states_its_risk_on_stderr_and_keeps_json_clean(
    broken_gateway: Server,
) -> None:
    result = run_local(broken_gateway.base_url + "/correct", "--json", policy="full")

    assert "create, change or delete data" in result.stderr
    assert set(_sent(json.loads(result.stdout))) >= UNSAFE


def test_send_method_says_the_risk_and_sends_only_that_verb_once(broken_gateway: Server) -> None:
    result = run_local(
        broken_gateway.base_url + "/correct", "--json", "--send-method", method="patch"
    )

    assert "PATCH goes to the real URL" in result.stderr
    sent = _sent(json.loads(result.stdout))
    assert [p for p in sent if p in UNSAFE] == ["PATCH"]


def test_send_method_without_an_unsafe_method_exits_2() -> None:
    result = run("http://127.0.0.1/", "--method", "GET", "--send-method")

    assert result.returncode == 2
    assert "--send-method needs --method" in result.stderr


def test_a_url_template_gets_patch_and_delete_on_a_phantom_id_only(flask_server: Server) -> None:
    result = run_local(flask_server.url("/items/{id}"), "--json", sample="id=1")

    document = json.loads(result.stdout)
    assert document["url"] == flask_server.url("/items/1")
    sent = _sent(document)
    assert {"phantom:PATCH", "phantom:DELETE"} <= set(sent)
    assert not UNSAFE & set(sent)
