"""env_allow_drift and method_regression, on matrices from real servers."""

from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.drift import compare, environment_drift, regressions
from diagnoser.analysis.model import MethodMatrix, Severity, Verdict
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import Target
from tests.servers.fixtures import Server


def _matrix(engine: ProbeEngine, server: Server, path: str) -> MethodMatrix:
    return diagnose(engine.probe(Target(url=server.base_url + path))).matrix


def test_flask_and_express_serving_the_same_routes_do_not_drift_on_accepted_methods(
    loopback_engine: ProbeEngine, flask_server: Server, express_server: Server
) -> None:
    flask = _matrix(loopback_engine, flask_server, "/items/1")
    express = _matrix(loopback_engine, express_server, "/items/1")
    assert flask.accepted == express.accepted
    findings = environment_drift({"staging": flask, "prod": express})
    # Both serve GET, HEAD, PUT, DELETE, OPTIONS; they differ only in how they reject
    # (Flask 405, Express 404), which is drift a client notices.
    assert [f.rule for f in findings] == ["env_allow_drift"]
    assert set(findings[0].evidence.methods) == {"POST", "PATCH", "TRACE"}


def test_environments_answering_alike_show_no_drift(
    loopback_engine: ProbeEngine, django_server: Server
) -> None:
    one = _matrix(loopback_engine, django_server, "/items/1/")
    two = _matrix(loopback_engine, django_server, "/items/1/")
    assert environment_drift({"staging": one, "prod": two}) == ()
    assert regressions(one, two) == ()


def test_a_method_lost_between_environments_is_named_with_both_sides(
    loopback_engine: ProbeEngine, django_server: Server
) -> None:
    detail = _matrix(loopback_engine, django_server, "/items/1/")  # GET, PUT, DELETE
    collection = _matrix(loopback_engine, django_server, "/items/")  # GET, POST
    (finding,) = environment_drift({"staging": detail, "prod": collection})
    assert finding.rule == "env_allow_drift"
    assert {"PUT", "DELETE", "POST"} <= set(finding.evidence.methods)
    assert "staging:" in finding.title
    assert "prod:" in finding.title


def test_a_method_that_stopped_working_is_an_error_regression(
    loopback_engine: ProbeEngine, django_server: Server
) -> None:
    before = _matrix(loopback_engine, django_server, "/items/1/")
    after = _matrix(loopback_engine, django_server, "/items/")
    (finding,) = regressions(before, after)
    assert finding.rule == "method_regression"
    assert finding.severity is Severity.ERROR
    assert "PUT accepted (200) -> rejected (405)" in finding.title


def test_a_method_that_started_working_is_only_a_warning(
    loopback_engine: ProbeEngine, stdlib_server: Server
) -> None:
    before = _matrix(loopback_engine, stdlib_server, "/items")  # POST 501
    after = MethodMatrix(
        cells=tuple(
            c if c.method != "POST" else c.__class__("POST", Verdict.ACCEPTED, 201, True)
            for c in before.cells
        )
    )
    (finding,) = regressions(before, after)
    assert finding.severity is Severity.WARNING


def test_unknown_or_failed_cells_are_missing_data_not_drift() -> None:
    from diagnoser.analysis.model import MethodCell

    a = MethodMatrix(cells=(MethodCell("PUT", Verdict.ACCEPTED, 200, True),))
    b = MethodMatrix(cells=(MethodCell("PUT", Verdict.FAILED, None, True),))
    c = MethodMatrix(cells=(MethodCell("PUT", Verdict.UNKNOWN, None, False),))
    assert compare(a, b) == ()
    assert compare(a, c) == ()
