"""env_allow_drift and method_regression, on matrices from real servers; the all-pairs
comparison the pages format, on matrices written out."""

from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.drift import (
    MethodChange,
    PairChange,
    SetChange,
    accepted_set_changes,
    advertised_drift,
    compare,
    drifting_methods,
    environment_drift,
    pairwise_changes,
    regressions,
)
from diagnoser.analysis.model import MethodCell, MethodMatrix, Severity, Verdict
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
    a = MethodMatrix(cells=(MethodCell("PUT", Verdict.ACCEPTED, 200, True),))
    b = MethodMatrix(cells=(MethodCell("PUT", Verdict.FAILED, None, True),))
    c = MethodMatrix(cells=(MethodCell("PUT", Verdict.UNKNOWN, None, False),))
    assert compare(a, b) == ()
    assert compare(a, c) == ()


ACCEPTED, REJECTED, NOT_FOUND = Verdict.ACCEPTED, Verdict.REJECTED, Verdict.NOT_FOUND


def _written(
    *answers: tuple[str, Verdict, int | None],
    allow: str | None = None,
    allow_methods: str | None = None,
) -> MethodMatrix:
    return MethodMatrix(
        cells=tuple(MethodCell(m, v, s, True) for m, v, s in answers),
        allow=allow,
        allow_methods=allow_methods,
    )


STAGING = _written(("GET", ACCEPTED, 200), ("PATCH", ACCEPTED, 200), ("DELETE", REJECTED, 405))
PROD = _written(("GET", ACCEPTED, 200), ("PATCH", REJECTED, 405), ("DELETE", REJECTED, 405))
DEV = _written(("GET", ACCEPTED, 200), ("PATCH", ACCEPTED, 200), ("DELETE", NOT_FOUND, 404))


def test_pairwise_changes_names_each_pair_once_in_the_order_given() -> None:
    changes = pairwise_changes({"dev": DEV, "staging": STAGING, "prod": PROD})

    assert changes == (
        PairChange("dev", "staging", MethodChange("DELETE", NOT_FOUND, REJECTED, 404, 405)),
        PairChange("dev", "prod", MethodChange("PATCH", ACCEPTED, REJECTED, 200, 405)),
        PairChange("dev", "prod", MethodChange("DELETE", NOT_FOUND, REJECTED, 404, 405)),
        PairChange("staging", "prod", MethodChange("PATCH", ACCEPTED, REJECTED, 200, 405)),
    )


def test_pairwise_changes_take_any_key_and_nothing_for_one_environment() -> None:
    assert pairwise_changes({7: STAGING, 9: PROD}) == (
        PairChange(7, 9, MethodChange("PATCH", ACCEPTED, REJECTED, 200, 405)),
    )
    assert pairwise_changes({7: STAGING}) == ()
    assert pairwise_changes({}) == ()


def test_drifting_methods_are_in_matrix_order_whichever_pair_differs() -> None:
    assert drifting_methods({"prod": PROD, "dev": DEV, "staging": STAGING}) == ("PATCH", "DELETE")
    assert drifting_methods({"staging": STAGING, "again": STAGING}) == ()


def test_drifting_methods_are_what_env_allow_drift_names() -> None:
    matrices = {"dev": DEV, "prod": PROD}
    (finding,) = environment_drift(matrices)

    assert finding.evidence.methods == drifting_methods(matrices)


def test_an_allow_naming_other_methods_differs_but_spelling_and_order_do_not() -> None:
    get = (("GET", ACCEPTED, 200),)
    matrices = {
        "dev": _written(*get, allow="GET, PATCH"),
        "staging": _written(*get, allow="PATCH,GET"),
        "prod": _written(*get, allow="GET"),
    }

    assert advertised_drift(matrices, "allow") == {"dev", "staging", "prod"}
    assert advertised_drift({k: matrices[k] for k in ("dev", "staging")}, "allow") == set()


def test_an_absent_header_differs_from_a_present_one_and_not_from_another_absent_one() -> None:
    get = (("GET", ACCEPTED, 200),)
    matrices = {
        "dev": _written(*get, allow_methods="GET"),
        "staging": _written(*get),
        "prod": _written(*get),
    }

    assert advertised_drift(matrices, "allow_methods") == {"dev", "staging", "prod"}
    assert (
        advertised_drift(
            {"staging": matrices["staging"], "prod": matrices["prod"]}, "allow_methods"
        )
        == set()
    )
    assert advertised_drift(matrices, "allow") == set()


INFERRED_PROD = MethodMatrix(
    cells=(
        MethodCell("GET", ACCEPTED, 200, True),
        MethodCell("PATCH", REJECTED, None, False, source="Allow: GET"),
    )
)


def test_drift_says_a_method_the_safe_policy_did_not_send_was_not_sent() -> None:
    (finding,) = environment_drift({"staging": STAGING, "prod": INFERRED_PROD})

    assert ("staging:PATCH", 200) in finding.evidence.statuses
    assert all(probe != "prod:PATCH" for probe, _ in finding.evidence.statuses)
    assert "Not sent (safe policy): prod:PATCH" in finding.evidence.detail


def test_a_regression_to_an_inferred_verdict_says_not_sent_not_none() -> None:
    (finding,) = regressions(STAGING, INFERRED_PROD)

    assert "PATCH accepted (200) -> rejected (not sent (safe policy))" in finding.title
    assert "None" not in finding.title
    assert finding.evidence.statuses == ()


FAILED_PATCH = _written(("GET", ACCEPTED, 200), ("PATCH", Verdict.FAILED, None))


def test_the_accepted_set_changes_at_the_runs_that_add_or_remove_a_method() -> None:
    runs = [(1, STAGING), (2, STAGING), (3, PROD), (4, DEV), (5, DEV)]

    assert accepted_set_changes(runs) == (
        SetChange(3, added=(), removed=("PATCH",)),
        SetChange(4, added=("PATCH",), removed=()),
    )


def test_a_rejection_turning_into_a_404_leaves_the_accepted_set_as_it_was() -> None:
    assert accepted_set_changes([(1, PROD), (2, _written(("DELETE", NOT_FOUND, 404)))]) == ()


def test_a_failed_run_in_between_is_missing_data_and_the_change_lands_after_it() -> None:
    runs = [(1, STAGING), (2, FAILED_PATCH), (3, PROD)]

    assert accepted_set_changes(runs) == (SetChange(3, added=(), removed=("PATCH",)),)
    assert accepted_set_changes([(1, STAGING), (2, FAILED_PATCH), (3, STAGING)]) == ()


def test_the_first_run_is_the_baseline_not_a_change() -> None:
    assert accepted_set_changes([(1, PROD)]) == ()
    assert accepted_set_changes([]) == ()
