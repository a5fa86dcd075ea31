"""`manage.py diagnose` as a CI gate: several URLs at once, JUnit and SARIF, baselines."""

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from diagnoser.analysis.catalog import RULES
from diagnoser.monitoring.reports.sarif import artifact_path
from diagnoser.probing.model import ProbePolicy, Target
from diagnoser.probing.plan import plan_for
from tests.cli.running import FULL, ROOT, call
from tests.cli.sarif import valid_sarif
from tests.servers.fixtures import Server
from tests.stubs import Reply, Request, serving

ALLOW = {"Allow": "GET, HEAD, OPTIONS"}


def test_sarif_is_valid_sarif_2_1_0_with_the_catalog_as_rules(broken_gateway: Server) -> None:
    url = broken_gateway.base_url + "/broken"
    result = call(url, *FULL, "--format", "sarif")

    assert result.returncode == 1, result.stderr
    log = valid_sarif(result.stdout)
    [sarif_run] = log["runs"]
    rules = {r["id"]: r for r in sarif_run["tool"]["driver"]["rules"]}
    assert set(rules) == {rule.id for rule in RULES.values() if not rule.note}
    missing_allow = rules["missing_allow_on_405"]
    assert missing_allow["defaultConfiguration"]["level"] == "error"
    assert "Fix: Send `Allow:" in missing_allow["help"]["text"]
    results = sarif_run["results"]
    assert {r["ruleId"] for r in results} >= {"missing_allow_on_405"}
    for result_ in results:
        [location] = result_["locations"]
        # Code scanning takes a path in the repository, not a URL: the URL is a property.
        assert location["physicalLocation"]["artifactLocation"]["uri"] == url.removeprefix(
            "http://"
        ).replace(":", "_")
        assert result_["properties"]["url"] == url
        indexed = sarif_run["tool"]["driver"]["rules"][result_["ruleIndex"]]
        assert indexed["id"] == result_["ruleId"]
    flagged = next(r for r in results if r["ruleId"] == "missing_allow_on_405")
    methods = {loc["name"] for loc in flagged["locations"][0]["logicalLocations"]}
    assert methods
    assert methods <= {"POST", "PUT", "PATCH", "DELETE", "TRACE"}


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("https://api.example:8443/items/{id}?q=1", "api.example_8443/items/%7Bid%7D"),
        ("specimen/items/{id}", "specimen/items/%7Bid%7D"),
        ("https://api.example", "api.example"),
    ],
)
def test_a_sarif_location_is_a_relative_path_code_scanning_accepts(uri: str, path: str) -> None:
    assert artifact_path(uri) == path


def test_sarif_fingerprints_are_the_same_on_a_second_run(broken_gateway: Server) -> None:
    def fingerprints() -> list[str]:
        result = call(broken_gateway.base_url + "/broken", *FULL, "--format", "sarif")
        log = json.loads(result.stdout)
        return sorted(
            r["partialFingerprints"]["diagnoserFinding/v1"] for r in log["runs"][0]["results"]
        )

    first = fingerprints()
    assert first
    assert fingerprints() == first


def test_junit_has_a_testsuite_per_url_and_a_failing_testcase_per_flawed_method(
    broken_gateway: Server,
) -> None:
    correct, broken = broken_gateway.base_url + "/correct", broken_gateway.base_url + "/broken"
    result = call(correct, broken, *FULL, "--format", "junit")

    root = ET.fromstring(result.stdout)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == [correct, broken]
    for suite in suites.values():
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert {c.get("name") for c in cases} >= {"GET", "HEAD", "OPTIONS", "PATCH", "DELETE"}
        assert suite.get("failures") == str(sum(bool(c.findall("failure")) for c in cases))
    assert suites[correct].get("failures") == "0"
    broken_cases = {c.get("name"): c for c in suites[broken].findall("testcase")}
    assert "missing_allow_on_405" in {f.get("type") for f in broken_cases["PATCH"].iter("failure")}
    assert "missing_allow_on_405" not in {
        f.get("type") for f in broken_cases["GET"].iter("failure")
    }
    status = broken_cases["GET"].find("properties/property[@name='status']")
    assert status is not None
    assert status.get("value") == "200"
    assert root.get("failures") == str(sum(int(s.get("failures") or 0) for s in suites.values()))


def _failed_rules(testcase: ET.Element) -> set[str | None]:
    return {failure.get("type") for failure in testcase.iter("failure")}


class Api:
    """/items as a correct API would serve it, with one flaw switched on at a time."""

    def __init__(self) -> None:
        self.flaw = ""

    def __call__(self, request: Request) -> Reply:
        if request.method in ("GET", "HEAD"):
            return Reply(200, b"[]", {"Content-Type": "application/json"})
        if request.method == "OPTIONS":
            return Reply(204, headers=ALLOW)
        if request.method == "DELETE" and self.flaw == "delete_crashes":
            return Reply(500, b"Internal Server Error")
        if request.method in ("POST", "PUT", "PATCH", "DELETE", "TRACE"):
            return Reply(405, headers={} if self.flaw == "no_allow" else ALLOW)
        return Reply(501)


@pytest.fixture
def api() -> Iterator[tuple[Api, str]]:
    state = Api()
    with serving(state) as server:
        yield state, server.url("/items")


def test_a_baseline_accepts_todays_findings_and_fails_on_new_ones(
    api: tuple[Api, str], tmp_path: Path
) -> None:
    state, url = api
    baseline = tmp_path / "baseline.json"
    gate = (url, *FULL, "--fail-on", "warning")
    assert call(*gate).returncode == 0  # the API as it should be: nothing to accept

    state.flaw = "no_allow"
    assert call(*gate).returncode == 1
    written = call(*gate, "--write-baseline", str(baseline))
    assert written.returncode == 0, written.stdout
    entries = json.loads(baseline.read_text())["entries"]
    assert {"target": url, "rule": "missing_allow_on_405", "method": "PATCH"} in entries

    accepted = call(*gate, "--baseline", str(baseline), "--format", "sarif")
    assert accepted.returncode == 0, accepted.stderr
    assert "accepted by the baseline, 0 new" in accepted.stderr
    states = {r["baselineState"] for r in json.loads(accepted.stdout)["runs"][0]["results"]}
    assert states == {"unchanged"}

    state.flaw = "delete_crashes"  # Allow is back (fixed), DELETE now fails (new)
    new = call(*gate, "--baseline", str(baseline))
    assert new.returncode == 1
    assert "new: " + url + ": server_error_on_method" in new.stdout
    assert "entries no longer found" in new.stdout
    assert f"gone: {url} PATCH missing_allow_on_405" in new.stdout


def test_a_baseline_that_is_not_one_exits_2_before_probing(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text("[]")
    result = call("http://127.0.0.1:9/", "--baseline", str(baseline))
    assert result.returncode == 2
    assert "--write-baseline" in result.stderr
    assert call("http://127.0.0.1:9/", "--baseline", str(tmp_path / "none")).returncode == 2


def test_json_and_another_format_disagree_with_exit_2() -> None:
    result = call("http://127.0.0.1:9/", "--json", "--format", "sarif")
    assert result.returncode == 2
    assert "keep one" in result.stderr


class HeldUntilInFlight:
    """Holds every answer until `until` requests are in flight at once: a command that
    probed one URL after another would never get there (each answer then says 503)."""

    def __init__(self, until: int) -> None:
        self.until = until
        self.in_flight = self.most = 0
        self.held_too_long = False
        self._changed = threading.Condition()

    def __call__(self, request: Request) -> Reply:
        with self._changed:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            self._changed.notify_all()
            reached = self._changed.wait_for(lambda: self.most >= self.until, timeout=3)
            self.in_flight -= 1
        if not reached:
            self.held_too_long = True
            return Reply(503)
        return Reply(200, b"ok", ALLOW)


def test_several_urls_are_probed_at_once_and_json_lists_their_documents() -> None:
    probes = len(plan_for(Target("http://127.0.0.1/", policy=ProbePolicy.STRICT)))
    held = HeldUntilInFlight(until=2 * probes)
    # Two hosts (ports), so each has its own per-host limit: only probing both URLs at
    # the same time puts all requests in flight together.
    with serving(held) as first, serving(held) as second:
        urls = [first.url("/a"), second.url("/b")]
        result = call(*urls, "--allow-private", "--policy", "strict", "--json")

    assert not held.held_too_long
    assert held.most == 2 * probes
    document = json.loads(result.stdout)
    assert document["schema"] == "diagnoser.diagnoses/1"
    assert [d["url"] for d in document["diagnoses"]] == urls
    assert all(d["schema"] == "diagnoser.diagnosis/1" for d in document["diagnoses"])


def test_one_refused_url_among_several_exits_2_naming_it(broken_gateway: Server) -> None:
    refused = "http://169.254.169.254/latest/meta-data/"
    result = call(broken_gateway.base_url + "/correct", refused, "--allow-private")
    assert result.returncode == 2
    assert f"refused to probe {refused}" in result.stderr


TINY_BENCH = ("--targets", "4", "--delay-ms", "5", "--no-startup")


@pytest.mark.parametrize("mode", [(), ("--openapi",)], ids=["urls", "openapi"])
def test_the_benchmark_runs_at_a_tiny_size(mode: tuple[str, ...]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.ci_gate", *TINY_BENCH, *mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "wall / floor" in result.stdout
    assert "targets with a failed probe 0" in result.stdout
