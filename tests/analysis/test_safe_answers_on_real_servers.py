"""Under the safe policy the answer for an unsent verb rests on what the stack showed: a
phantom id's answer is the route's (rules read it), TRACE stands in for a made-up verb
the HTTP parser refused, a redirect every method gets is inferred for all, and a CORS
layer's configured list is not taken for the route's methods. Real stacks on 127.0.0.1;
tests/servers/OBSERVED.md has their answers."""

import pytest

from diagnoser.analysis.answer import answer_for
from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.model import Basis, Diagnosis, Finding, MethodCell, Verdict
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbePolicy, Target
from tests.servers.fixtures import Server


def _safe(engine: ProbeEngine, server: Server, path: str) -> Diagnosis:
    """`path` as a user registers it: a route template with sample 1, or a plain URL."""
    template = server.url(path) if "{id}" in path else None
    target = Target(
        server.url(path.replace("{id}", "1")),
        policy=ProbePolicy.SAFE,
        template=template,
        samples=(("id", "1"),) if template else (),
    )
    return diagnose(engine.probe(target))


def _cell(diagnosis: Diagnosis, method: str) -> MethodCell:
    cell = diagnosis.matrix.cell(method)
    assert cell is not None
    return cell


def _finding(diagnosis: Diagnosis, rule: str) -> Finding:
    found = [f for f in diagnosis.findings if f.rule == rule]
    assert found, [f.rule for f in diagnosis.findings]
    return found[0]


def test_a_routers_404_on_a_phantom_id_is_method_falls_to_404_and_the_answer(
    loopback_engine: ProbeEngine, hapi_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, hapi_server, "/items/{id}")

    assert "PATCH" in _finding(diagnosis, "method_falls_to_404").evidence.methods
    answer = answer_for(diagnosis, "PATCH")
    assert answer.cause == "method_falls_to_404"
    # The curl line shows the phantom's answer, never PATCH on the sample's URL.
    assert not answer.reproduce.endswith("/items/1")
    assert "/items/9" in answer.reproduce


@pytest.mark.parametrize("fixture", ["aiohttp_server", "koa_allowed_server"])
def test_trace_refused_with_the_routes_allow_stands_in_for_a_made_up_verb_the_parser_refused(
    request: pytest.FixtureRequest, loopback_engine: ProbeEngine, fixture: str
) -> None:
    diagnosis = _safe(loopback_engine, request.getfixturevalue(fixture), "/items")

    for method in ("PUT", "PATCH", "DELETE"):
        cell = _cell(diagnosis, method)
        assert (cell.verdict, cell.basis) == (Verdict.REJECTED, Basis.INFERRED), method
        assert "TRACE" in cell.source
    assert _cell(diagnosis, "POST").verdict is Verdict.ACCEPTED
    assert answer_for(diagnosis, "PATCH").cause == "method_not_supported"


def test_trace_refused_without_allow_says_nothing_about_other_verbs(
    loopback_engine: ProbeEngine, tornado_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, tornado_server, "/items")

    for method in ("POST", "PUT", "PATCH", "DELETE"):  # POST is served, the rest are not
        assert _cell(diagnosis, method).verdict is Verdict.UNKNOWN, method


def test_a_cors_layers_own_list_on_every_preflight_is_not_the_routes_methods(
    loopback_engine: ProbeEngine, fastify_cors_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, fastify_cors_server, "/readonly")

    for method in ("POST", "PUT", "DELETE"):  # listed by @fastify/cors, all 404 really
        cell = _cell(diagnosis, method)
        assert cell.verdict is Verdict.UNKNOWN, method
        assert "configured methods" in cell.source


def test_a_redirect_every_method_gets_is_inferred_for_the_unsent_ones(
    loopback_engine: ProbeEngine, django_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, django_server, "/items")  # APPEND_SLASH

    for method in ("POST", "PUT", "PATCH", "DELETE"):
        cell = _cell(diagnosis, method)
        assert (cell.verdict, cell.basis) == (Verdict.REDIRECTED, Basis.INFERRED), method
        assert "does not look at the method" in cell.source


def test_nginx_serving_a_directory_itself_redirects_post_and_refuses_the_other_verbs(
    loopback_engine: ProbeEngine, nginx_server: Server
) -> None:
    # GET gets the directory's slash redirect but OPTIONS and the made-up verb nginx's own
    # 405: its static handler, which redirects POST as it does GET and refuses the rest.
    diagnosis = _safe(loopback_engine, nginx_server, "/static/docs")
    truth = diagnose(loopback_engine.probe(Target(nginx_server.url("/static/docs"))))

    for method, verdict in (("POST", Verdict.REDIRECTED), ("PUT", Verdict.REJECTED)):
        cell = _cell(diagnosis, method)
        assert (cell.verdict, cell.basis) == (verdict, Basis.INFERRED), method
        assert "static file handler" in cell.source
        assert _cell(truth, method).verdict is verdict


def test_preflights_a_route_answers_per_method_tell_its_methods(
    loopback_engine: ProbeEngine, hapi_cors_server: Server
) -> None:
    # hapi answers a preflight only for a method the path has a route for; the others
    # get its 404, the same as TRACE's.
    diagnosis = _safe(loopback_engine, hapi_cors_server, "/items")

    assert _cell(diagnosis, "POST").verdict is Verdict.ACCEPTED
    for method in ("PUT", "PATCH", "DELETE"):
        cell = _cell(diagnosis, method)
        assert (cell.verdict, cell.basis) == (Verdict.NOT_FOUND, Basis.INFERRED), method
        assert "same 404 as TRACE" in cell.source
    assert answer_for(diagnosis, "PATCH").cause == "method_falls_to_404"


def test_preflights_hapis_cors_refuses_all_like_trace_tell_no_route_serves_them(
    loopback_engine: ProbeEngine, hapi_cors_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, hapi_cors_server, "/readonly")  # GET only

    for method in ("POST", "PUT", "PATCH", "DELETE"):
        cell = _cell(diagnosis, method)
        assert (cell.verdict, cell.basis) == (Verdict.NOT_FOUND, Basis.INFERRED), method
        assert "a CORS layer answers OPTIONS here" in cell.source


def test_djangos_csrf_check_forbids_the_unsent_verbs_as_it_does_the_made_up_one(
    loopback_engine: ProbeEngine, django_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, django_server, "/form/")
    truth = diagnose(loopback_engine.probe(Target(django_server.url("/form/"))))

    for method in ("POST", "PUT", "PATCH", "DELETE"):
        cell = _cell(diagnosis, method)
        assert (cell.verdict, cell.basis) == (Verdict.FORBIDDEN, Basis.INFERRED), method
        assert "CSRF" in cell.source
        assert _cell(truth, method).verdict is Verdict.FORBIDDEN


def test_preflights_that_all_get_traces_answer_tell_nothing(
    loopback_engine: ProbeEngine, hapi_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, hapi_server, "/items")  # no CORS: every one 404s

    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert _cell(diagnosis, method).verdict is Verdict.UNKNOWN, method


NEW_STACKS = [
    ("aiohttp_server", "/items"),
    ("aiohttp_server", "/items/{id}"),
    ("aiohttp_server", "/readonly"),
    ("tornado_server", "/items/{id}"),
    ("pyramid_server", "/items/{id}"),
    ("koa_allowed_server", "/items"),
    ("koa_allowed_server", "/items/{id}"),
    ("fastify_cors_server", "/items"),
    ("fastify_cors_server", "/items/{id}"),
    ("hapi_server", "/items/{id}"),
    ("hapi_cors_server", "/items"),
    ("hapi_cors_server", "/items/{id}"),
    ("hapi_cors_server", "/readonly"),
    ("django_server", "/items"),
]


@pytest.mark.parametrize(("fixture", "path"), NEW_STACKS, ids=[f + p for f, p in NEW_STACKS])
def test_no_unsent_verb_is_inferred_wrong_on_these_stacks_either(
    request: pytest.FixtureRequest, loopback_engine: ProbeEngine, fixture: str, path: str
) -> None:
    server: Server = request.getfixturevalue(fixture)
    guessed = _safe(loopback_engine, server, path)
    truth = diagnose(loopback_engine.probe(Target(server.url(path.replace("{id}", "1")))))

    wrong = [
        f"{cell.method}: {cell.verdict} ({cell.source}), really {_cell(truth, cell.method).verdict}"
        for cell in guessed.matrix.cells
        if not cell.observed
        and cell.verdict is not Verdict.UNKNOWN
        and cell.verdict is not _cell(truth, cell.method).verdict
    ]
    assert wrong == []


def test_a_redirect_every_method_gets_is_the_unsent_verbs_cause_too(
    loopback_engine: ProbeEngine, django_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, django_server, "/items")

    finding = _finding(diagnosis, "redirect_changes_method")
    assert set(finding.evidence.methods) == {"POST", "PUT", "PATCH", "DELETE"}
    assert "not sent" in finding.title
    assert answer_for(diagnosis, "PATCH").cause == "redirect_changes_method"


@pytest.mark.parametrize(
    ("fixture", "path", "rule"),
    [
        # A bare 405 on a phantom id.
        ("tornado_server", "/items/{id}", "missing_allow_on_405"),
        # Express's inferred 404 for a verb outside Allow.
        ("express_server", "/items", "method_falls_to_404"),
    ],
)
def test_patchs_answer_unsent_is_the_rule_its_evidence_names(
    request: pytest.FixtureRequest, loopback_engine: ProbeEngine, fixture: str, path: str, rule: str
) -> None:
    diagnosis = _safe(loopback_engine, request.getfixturevalue(fixture), path)

    assert "PATCH" in _finding(diagnosis, rule).evidence.methods
    assert answer_for(diagnosis, "PATCH").cause == rule


def test_the_checklist_counts_a_verb_refused_on_a_phantom_id_as_rejected(
    loopback_engine: ProbeEngine, flask_server: Server
) -> None:
    target = Target(
        flask_server.url("/items/1"),
        policy=ProbePolicy.SAFE,
        template=flask_server.url("/items/{id}"),
        samples=(("id", "1"),),
    )
    diagnosis = diagnose(loopback_engine.probe(target), method="PATCH")

    step = next(s for s in diagnosis.checklist if s.title.startswith("2."))
    assert step.state == "problem"
    assert "PATCH: rejected (405 on a phantom id)" in step.detail
    assert "PATCH (on a phantom id)" in step.detail.split("Rejected:")[1]


def test_an_unknown_verb_beside_a_gateway_that_forbids_the_others_points_at_it(
    loopback_engine: ProbeEngine, nginx_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, nginx_server, "/api/items")  # limit_except GET

    answer = answer_for(diagnosis, "POST")  # such rules often except POST: not inferred
    assert (answer.verdict, answer.cause) == ("unknown", None)
    assert "gateway_forbids_method" in answer.sentence
    assert "limit_except" in answer.sentence


def test_verbs_a_server_rule_forbids_with_the_made_up_verb_are_its_cause_unsent(
    loopback_engine: ProbeEngine, nginx_server: Server
) -> None:
    diagnosis = _safe(loopback_engine, nginx_server, "/api/items")  # limit_except GET

    answer = answer_for(diagnosis, "PUT")
    assert (answer.verdict, answer.cause) == ("forbidden", "gateway_forbids_method")
    assert "limit_except" in answer.sentence
    assert "(inferred: OPTIONS and the made-up verb" in answer.sentence
    assert {"PUT", "PATCH", "DELETE"} <= set(
        _finding(diagnosis, "gateway_forbids_method").evidence.methods
    )
