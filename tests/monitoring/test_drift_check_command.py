import io
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.core.management import CommandError, call_command

from diagnoser.monitoring.models import DriftCheck
from tests.cli.sarif import valid_sarif
from tests.factories import secret_specimen_service

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker", "loopback_allowed"),
]


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("drift_check", *args, stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_it_exits_1_and_prints_the_drift(specimens):
    secret_specimen_service(specimens, paths={"/items/{id}"})

    code, output = _run("specimen")

    assert code == 1
    assert "Environments disagree:" in output
    assert "/items/{id}" in output
    assert DriftCheck.objects.get().name == "manual"


def test_it_exits_0_when_environments_agree(specimens):
    secret_specimen_service(specimens, paths={"/items", "/health"})
    code, output = _run("specimen")
    assert code == 0
    assert "All environments accept the same methods." in output


def test_json_output_is_the_report(specimens):
    secret_specimen_service(specimens, paths={"/items/{id}"})

    code, output = _run("specimen", "--json")

    report = json.loads(output)
    assert code == 1
    assert report["drift_present"] is True
    assert report["targets"] == 2
    assert report["env_drift"][0]["rule"] == "env_allow_drift"
    assert "prod-secret-token" not in output


def test_an_unknown_service_is_an_error_with_exit_2():
    with pytest.raises(CommandError, match="no service named 'nope'") as caught:
        call_command("drift_check", "nope")
    assert caught.value.returncode == 2


def test_a_baseline_accepts_the_drift_and_the_formats_show_it(specimens, tmp_path: Path):
    secret_specimen_service(specimens, paths={"/items/{id}", "/health"})
    baseline = tmp_path / "drift-baseline.json"

    code, _ = _run("specimen", "--write-baseline", str(baseline))
    assert code == 0
    entries = json.loads(baseline.read_text())["entries"]
    assert {(e["target"], e["rule"]) for e in entries} == {
        ("specimen:/items/{id}", "env_allow_drift")
    }

    code, output = _run("specimen", "--baseline", str(baseline), "--format", "sarif")
    assert code == 0
    log = valid_sarif(output)
    results = log["runs"][0]["results"]
    states = {(r["ruleId"], r["baselineState"]) for r in results}
    assert states == {("env_allow_drift", "unchanged")}

    code, output = _run("specimen", "--format", "junit")
    assert code == 1
    suites = {s.get("name"): s for s in ET.fromstring(output).iter("testsuite")}
    assert suites["/health"].get("failures") == "0"
    assert int(suites["/items/{id}"].get("failures") or 0) >= 1
