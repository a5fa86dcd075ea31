"""The answer first, one finding per root cause: asked of real servers (tests/servers)
the way a user asks "why does my PATCH fail?"."""

import pytest

from diagnoser.analysis.answer import answer_for
from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.model import Diagnosis, Severity
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbePolicy, Target
from tests.servers.fixtures import Server
from tests.stubs import Reply, Request, serving

APP_ORIGIN = "https://app.example"
_CORS_SYMPTOMS = {
    "preflight_missing_allow_origin",
    "preflight_header_not_allowed",
    "preflight_method_not_allowed",
    "options_not_supported",
}


def _diagnose(
    engine: ProbeEngine,
    server: Server,
    path: str,
    *,
    origin: str | None = None,
    method: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    policy: ProbePolicy = ProbePolicy.FULL,
) -> Diagnosis:
    target = Target(url=server.base_url + path, origin=origin, headers=headers, policy=policy)
    return diagnose(engine.probe(target), method=method)


def _why_does_patch_fail(engine: ProbeEngine, server: Server) -> Diagnosis:
    """The question this file is about, asked of /items/1 by a page on APP_ORIGIN."""
    return _diagnose(engine, server, "/items/1", origin=APP_ORIGIN, method="PATCH")


def _step(diagnosis: Diagnosis, number: str) -> tuple[str, str]:
    step = next(s for s in diagnosis.checklist if s.title.startswith(number))
    return step.state, step.detail


def test_flask_route_without_patch_answers_the_route_and_its_methods_list(
    loopback_engine: ProbeEngine, flask_server: Server
) -> None:
    diagnosis = _why_does_patch_fail(loopback_engine, flask_server)
    answer = answer_for(diagnosis, "PATCH")
    assert (answer.method, answer.verdict, answer.status) == ("PATCH", "rejected", 405)
    assert answer.cause == "method_not_supported"
    assert answer.sentence.startswith("PATCH is not in this route's methods (Allow: ")
    assert "methods=[…]" in answer.sentence
    assert "@app.route" in answer.fix
    assert "Werkzeug" in (answer.layer or "")
    assert answer.reproduce.startswith("curl ")
    assert "-X PATCH" in answer.reproduce
    # The step the asked method fails is never "ok".
    state, detail = _step(diagnosis, "2.")
    assert state == "problem"
    assert detail.startswith("PATCH: rejected (405)")


def test_a_server_with_no_cors_and_a_declared_origin_has_exactly_one_cors_error(
    loopback_engine: ProbeEngine, flask_server: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, flask_server, "/items/1", origin=APP_ORIGIN)
    cors = [f for f in diagnosis.findings if f.rule.startswith(("cors_", "preflight_", "options"))]
    assert [(f.rule, f.severity) for f in cors] == [("cors_not_enabled", Severity.ERROR)]
    assert not ({f.rule for f in diagnosis.findings} & _CORS_SYMPTOMS)
    # Its symptoms are the cause's evidence, not lost.
    assert "preflight_missing_allow_origin" in cors[0].evidence.detail


def test_no_cors_without_a_declared_origin_is_info(
    loopback_engine: ProbeEngine, flask_server: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, flask_server, "/items/1")
    cors = [f for f in diagnosis.findings if f.rule == "cors_not_enabled"]
    assert [f.severity for f in cors] == [Severity.INFO]


def test_a_method_the_route_serves_but_browsers_cannot_send_is_answered_by_cors(
    loopback_engine: ProbeEngine, flask_server: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, flask_server, "/items/1", origin=APP_ORIGIN)
    assert answer_for(diagnosis, "PUT").cause == "cors_not_enabled"
    # GET needs no preflight: the server runs it, so it works; scripts on the origin
    # can't read its answer, which the sentence says.
    get = answer_for(diagnosis, "GET")
    assert get.cause is None
    assert "cors_not_enabled" in get.sentence


def test_a_method_that_works_has_no_cause(
    loopback_engine: ProbeEngine, flask_server: Server
) -> None:
    answer = answer_for(_diagnose(loopback_engine, flask_server, "/items/1"), "GET")
    assert (answer.verdict, answer.cause) == ("accepted", None)


def test_a_preflight_failing_for_a_method_the_route_does_not_serve_is_not_cors(
    loopback_engine: ProbeEngine, fastapi_cors_server: Server
) -> None:
    # CORSMiddleware allows the origin; the route has no PATCH.
    diagnosis = _why_does_patch_fail(loopback_engine, fastapi_cors_server)
    answer = answer_for(diagnosis, "PATCH")
    assert answer.cause == "method_not_supported"
    assert "@app.patch" in answer.fix
    for finding in diagnosis.findings:
        if finding.rule.startswith(("preflight_", "cors_")) and finding.severity is not (
            Severity.INFO
        ):
            assert "PATCH" not in finding.evidence.methods, finding.title


def test_every_method_answered_431_is_one_rejected_before_routing(
    loopback_engine: ProbeEngine, stdlib_server: Server
) -> None:
    # http.server refuses more than 100 header lines with 431, before any do_METHOD (one
    # header over 8 KiB would be refused by us before sending: see validate_header).
    many = tuple((f"X-Extra-{n}", "a") for n in range(110))
    diagnosis = _diagnose(loopback_engine, stdlib_server, "/items", headers=many, method="PATCH")
    assert [(f.rule, f.severity) for f in diagnosis.findings] == [
        ("rejected_before_routing", Severity.ERROR)
    ]
    assert "431" in diagnosis.findings[0].title
    assert answer_for(diagnosis, "PATCH").cause == "rejected_before_routing"
    assert answer_for(diagnosis).cause == "rejected_before_routing"
    state, detail = _step(diagnosis, "1.")
    assert state == "problem"
    assert not detail.startswith("Yes")
    assert _step(diagnosis, "3.")[0] != "ok"


def test_the_same_server_without_the_big_header_is_not_rejected_before_routing(
    loopback_engine: ProbeEngine, stdlib_server: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, stdlib_server, "/items")
    assert "rejected_before_routing" not in {f.rule for f in diagnosis.findings}


def test_nginx_limit_except_is_answered_as_the_servers_own_verb_restriction(
    loopback_engine: ProbeEngine, nginx_server: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, nginx_server, "/api/items", method="PATCH")
    finding = next(f for f in diagnosis.findings if f.rule == "gateway_forbids_method")
    assert "limit_except" in finding.title
    answer = answer_for(diagnosis, "PATCH")
    assert (answer.cause, answer.status) == ("gateway_forbids_method", 403)
    assert "limit_except" in answer.sentence
    assert "limit_except" in answer.fix
    assert _step(diagnosis, "3.")[0] == "problem"


def test_express_unrouted_method_is_the_404_fall_through(
    loopback_engine: ProbeEngine, express_server: Server
) -> None:
    answer = answer_for(_diagnose(loopback_engine, express_server, "/items"), "PATCH")
    assert (answer.status, answer.cause) == (404, "method_falls_to_404")
    assert "Express" in answer.fix or ".all(" in answer.fix


def test_django_answers_name_require_http_methods_and_the_head_rule(
    loopback_engine: ProbeEngine, django_server: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, django_server, "/items/")
    put = answer_for(diagnosis, "PUT")
    assert put.cause == "method_not_supported"
    assert "require_http_methods" in put.sentence
    assert answer_for(diagnosis, "HEAD").cause == "head_not_supported"


def test_safe_policy_answers_an_unsent_method_from_allow_and_says_so(
    loopback_engine: ProbeEngine, flask_server: Server
) -> None:
    # Werkzeug builds Allow from the route's own methods: a sound source to infer from.
    diagnosis = _diagnose(loopback_engine, flask_server, "/items/1", policy=ProbePolicy.SAFE)
    patch = answer_for(diagnosis, "PATCH")
    assert (patch.verdict, patch.status, patch.cause) == ("rejected", None, "method_not_supported")
    assert "inferred" in patch.sentence


def test_without_a_method_the_answer_is_the_most_severe_cause(
    loopback_engine: ProbeEngine, broken_gateway: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, broken_gateway, "/broken")
    answer = answer_for(diagnosis)
    assert answer.cause == diagnosis.findings[0].rule
    assert diagnosis.findings[0].severity is Severity.ERROR


def test_a_correct_stack_answers_no_problem(
    loopback_engine: ProbeEngine, broken_gateway: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, broken_gateway, "/correct", origin=APP_ORIGIN)
    assert diagnosis.findings == ()
    answer = answer_for(diagnosis)
    assert (answer.verdict, answer.cause) == ("ok", None)


@pytest.mark.parametrize("path", ["/items/1/", "/items/"])
def test_precondition_ignored_is_a_note_never_a_finding(
    loopback_engine: ProbeEngine, django_server: Server, path: str
) -> None:
    diagnosis = _diagnose(loopback_engine, django_server, path)
    assert "precondition_ignored" in {n.rule for n in diagnosis.notes}
    assert "precondition_ignored" not in {f.rule for f in diagnosis.findings}


def test_a_made_up_verb_served_as_get_is_not_said_to_work(
    loopback_engine: ProbeEngine, broken_gateway: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, broken_gateway, "/broken")
    answer = answer_for(diagnosis, "XDIAGNOSE")
    assert (answer.status, answer.cause) == (200, "unknown_method_not_501")


def test_every_method_has_one_answer_and_its_cause_is_a_finding_or_not_supported(
    loopback_engine: ProbeEngine, broken_gateway: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, broken_gateway, "/broken")
    rules = {f.rule for f in diagnosis.findings}
    assert [a.method for a in diagnosis.answers] == [c.method for c in diagnosis.matrix.cells]
    for answer in diagnosis.answers:
        assert answer.cause in (rules | {"method_not_supported", None}), answer
    causes = {a.method: a.cause for a in diagnosis.answers}
    assert causes["HEAD"] == "head_get_mismatch"
    assert causes["POST"] == "redirect_changes_method"
    assert causes["PUT"] == "server_error_on_method"
    assert causes["PATCH"] == "missing_allow_on_405"
    assert causes["DELETE"] == "gateway_forbids_method"
    assert causes["GET"] is None


def test_without_a_method_info_findings_are_not_the_headline(
    loopback_engine: ProbeEngine, flask_server: Server
) -> None:
    # Werkzeug answers the made-up verb 405 (info) and does no CORS (info, no origin).
    diagnosis = _diagnose(loopback_engine, flask_server, "/items")
    assert diagnosis.findings
    assert all(f.severity is Severity.INFO for f in diagnosis.findings)
    answer = answer_for(diagnosis)
    assert (answer.verdict, answer.cause) == ("ok", None)


def _static_file_server(request: Request) -> Reply:
    """What Caddy's file_server does (seen with Caddy 2.6): any method gets the file, after
    its preconditions: an If-Match that matches no ETag gets 412."""
    headers = {"ETag": '"v1"', "Content-Type": "text/html"}
    if request.headers.get("If-Match") not in (None, '"v1"', "*"):
        return Reply(412, headers=headers)
    return Reply(200, b"<p>hello</p>", headers=headers)


def test_patch_on_a_server_that_answers_any_method_alike_is_not_said_to_work(
    loopback_engine: ProbeEngine,
) -> None:
    with serving(_static_file_server) as server:
        diagnosis = diagnose(
            loopback_engine.probe(Target(url=server.url("/index.html"))), method="PATCH"
        )

    answer = answer_for(diagnosis, "PATCH")
    assert (answer.status, answer.cause) == (412, "unknown_method_not_501")
    assert "works" not in answer.sentence
    assert answer_for(diagnosis, "GET").cause is None  # GET is served, as it should be
