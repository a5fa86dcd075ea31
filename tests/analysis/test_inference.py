"""The cross-checks of analysis/inference.py on answers too rare to keep a server for."""

from datetime import UTC, datetime

import pytest

from diagnoser.analysis.facts import method_matrix
from diagnoser.analysis.model import Basis, MethodCell, Verdict
from diagnoser.probing.model import (
    UNKNOWN_METHOD,
    ErrorKind,
    Observation,
    ProbeKind,
    ProbePolicy,
    ProbeReport,
    Target,
)

JSON = ("content-type", "application/json")
HTML = ("content-type", "text/html")
# Werkzeug's routing refuses a method with this page and the Allow it built.
WERKZEUG_405 = (
    "<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n"
    "<p>The method is not allowed for the requested URL.</p>"
)


def answer(
    probe: str, status: int | None, *headers: tuple[str, str], body: str = ""
) -> Observation:
    kind, _, method = probe.rpartition(":")
    return Observation(
        probe=probe,
        kind=ProbeKind(kind) if kind else ProbeKind.PLAIN,
        method=method,
        status=status,
        headers=headers,
        body_bytes=len(body),
        body_excerpt=body,
        error_kind=ErrorKind.REFUSED if status is None else None,
        error="connection refused" if status is None else None,
        url="http://api.test/items/912345678901234" if kind == "phantom" else "",
    )


def cell(method: str, *observations: Observation) -> MethodCell:
    target = Target("http://api.test/items/1", policy=ProbePolicy.SAFE)
    report = ProbeReport(target, observations, datetime.now(UTC), 1.0)
    found = method_matrix(report).cell(method)
    assert found is not None
    return found


SAFE_BASE = (answer("GET", 200, JSON), answer("HEAD", 200, JSON))


def after_options(
    method: str, allow: str, made_up_status: int, *made_up_headers: tuple[str, str]
) -> MethodCell:
    """`method`'s cell when OPTIONS listed `allow` and the made-up verb got `made_up_status`."""
    return cell(
        method,
        *SAFE_BASE,
        answer("OPTIONS", 200, ("allow", allow)),
        answer(UNKNOWN_METHOD, made_up_status, *made_up_headers),
    )


def test_allow_lists_that_disagree_about_a_method_leave_it_unknown() -> None:
    put = after_options("PUT", "GET, HEAD, PUT", 405, ("allow", "GET, HEAD"))

    assert put.verdict is Verdict.UNKNOWN
    assert "disagree about PUT" in put.source


def test_a_method_outside_allow_is_refused_when_the_made_up_verb_got_405() -> None:
    put = after_options("PUT", "GET, HEAD, OPTIONS", 405, ("allow", "GET, HEAD, OPTIONS"))

    assert (put.verdict, put.basis) == (Verdict.REJECTED, Basis.INFERRED)


@pytest.mark.parametrize(
    ("method", "allow", "status", "why"),
    [
        # Outside Allow, but the made-up verb was not refused as a method.
        ("PUT", "GET, HEAD, OPTIONS", 404, "got 404, not 405"),
        ("PUT", "GET, HEAD, OPTIONS", 400, "HTTP parser"),
        # Inside Allow, but something answers the made-up verb before the route does.
        ("POST", "GET, HEAD, POST", 403, "before the route"),
        ("POST", "GET, HEAD, POST", 200, "catch-all"),
    ],
)
def test_allow_says_nothing_when_the_made_up_verb_was_not_refused_as_a_method(
    method: str, allow: str, status: int, why: str
) -> None:
    found = after_options(method, allow, status)

    assert found.verdict is Verdict.UNKNOWN
    assert why in found.source


def test_a_cors_list_of_every_verb_says_nothing_about_the_route() -> None:
    every = ("access-control-allow-methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
    patch = cell("PATCH", *SAFE_BASE, answer("preflight:PATCH", 200, every))

    assert patch.verdict is Verdict.UNKNOWN
    assert "lists every verb" in patch.source


def test_a_specific_cors_list_still_counts_for_the_methods_it_names() -> None:
    some = ("access-control-allow-methods", "GET, PATCH")
    patch = cell("PATCH", *SAFE_BASE, answer("preflight:PATCH", 200, some))

    assert (patch.verdict, patch.basis) == (Verdict.ACCEPTED, Basis.INFERRED)


PHANTOM_404S = (
    answer("phantom:GET", 404, JSON, body='{"error": "no such item"}'),
    answer(f"phantom:{UNKNOWN_METHOD}", 404, HTML, body="<h1>Not Found</h1>"),
)


def test_a_phantom_404_like_gets_and_unlike_the_made_up_verbs_is_a_handlers() -> None:
    patch = cell("PATCH", *SAFE_BASE, *PHANTOM_404S, answer("phantom:PATCH", 404, JSON, body="{}"))

    assert (patch.verdict, patch.basis, patch.status) == (Verdict.ACCEPTED, Basis.PHANTOM, 404)


def test_a_phantom_404_like_the_made_up_verbs_is_the_routers() -> None:
    patch = cell("PATCH", *SAFE_BASE, *PHANTOM_404S, answer("phantom:PATCH", 404, HTML))

    assert (patch.verdict, patch.basis) == (Verdict.NOT_FOUND, Basis.PHANTOM)


def test_a_phantom_404_nothing_else_explains_is_unknown_and_says_why() -> None:
    same = (answer("phantom:GET", 404, HTML), answer(f"phantom:{UNKNOWN_METHOD}", 404, HTML))
    patch = cell("PATCH", *SAFE_BASE, *same, answer("phantom:PATCH", 404, HTML))

    assert patch.verdict is Verdict.UNKNOWN
    assert "neither the made-up verb nor GET" in patch.source


def test_a_failed_phantom_probe_falls_back_to_allow_and_says_so() -> None:
    delete = cell(
        "DELETE",
        *SAFE_BASE,
        answer("OPTIONS", 200, ("allow", "GET, HEAD, DELETE")),
        answer("TRACE", 405, ("allow", "GET, HEAD, DELETE"), body=WERKZEUG_405),
        answer("phantom:DELETE", None),
    )

    assert (delete.verdict, delete.basis) == (Verdict.ACCEPTED, Basis.INFERRED)
    assert delete.source.startswith("DELETE on a phantom id")
    assert "failed: connection refused" in delete.source


def test_a_cells_basis_follows_observed_unless_given() -> None:
    assert MethodCell("GET", Verdict.ACCEPTED, 200, True).basis is Basis.OBSERVED
    assert MethodCell("PUT", Verdict.REJECTED, None, False).basis is Basis.INFERRED
    with pytest.raises(ValueError, match="observed"):
        MethodCell("PATCH", Verdict.ACCEPTED, 404, True, basis=Basis.PHANTOM)


EXPRESS = ("x-powered-by", "Express")


@pytest.mark.parametrize(
    ("observations", "why"),
    [
        pytest.param(
            (
                answer("GET", 200, EXPRESS),
                answer("OPTIONS", 204, EXPRESS, ("allow", "GET, HEAD")),
                answer(UNKNOWN_METHOD, 400),
            ),
            "unless the app answers it itself",
            id="express-behind-middleware-that-answers-options-itself",
        ),
        pytest.param(
            # nginx refuses TRACE itself, whatever the app behind it answers for other verbs.
            (
                *SAFE_BASE,
                answer("OPTIONS", 200, ("allow", "GET, HEAD, OPTIONS")),
                answer("TRACE", 405, HTML),
                answer(UNKNOWN_METHOD, 400),
            ),
            "TRACE's answer carries no Allow",
            id="traces-405-without-allow-does-not-stand-in-for-the-made-up-verb",
        ),
    ],
)
def test_a_400_to_the_made_up_verb_leaves_put_unknown_and_says_why(
    observations: tuple[Observation, ...], why: str
) -> None:
    put = cell("PUT", *observations)

    assert put.verdict is Verdict.UNKNOWN
    assert why in put.source


def test_a_400_get_and_options_share_only_by_status_is_not_every_methods() -> None:
    # The app's 400 to GET (a missing parameter) and a CORS layer's 400 to OPTIONS.
    post = cell(
        "POST",
        answer("GET", 400, JSON, body='{"error": "q is required"}'),
        answer("OPTIONS", 400, ("content-type", "text/plain"), body="Invalid Preflight"),
        answer(UNKNOWN_METHOD, 400, JSON, body='{"error": "Bad Request"}'),
    )

    assert post.verdict is Verdict.UNKNOWN


def test_a_redirect_get_options_and_the_made_up_verb_share_is_every_methods() -> None:
    moved = (("location", "https://api.test/items/"), HTML)
    post = cell(
        "POST",
        answer("GET", 308, *moved),
        answer("OPTIONS", 308, *moved),
        answer(UNKNOWN_METHOD, 308, *moved),
    )

    assert (post.verdict, post.basis) == (Verdict.REDIRECTED, Basis.INFERRED)
    assert "https://api.test/items/" in post.source


def test_preflights_that_all_pass_say_nothing_about_routing() -> None:
    listed = ("access-control-allow-methods", "GET, POST, PUT")
    put = cell(
        "PUT",
        *SAFE_BASE,
        answer("TRACE", 404, JSON, body="{}"),
        *(answer(f"preflight:{m}", 204, listed) for m in ("POST", "PUT", "PATCH", "DELETE")),
    )

    assert put.verdict is Verdict.UNKNOWN
    assert "configured methods" in put.source


def test_preflights_that_all_get_traces_answer_from_a_cors_layer_are_unrouted() -> None:
    # hapi's CORS answers a bare OPTIONS itself and a preflight only for a routed method.
    not_found = '{"statusCode":404,"error":"Not Found","message":"Not Found"}'
    put = cell(
        "PUT",
        *SAFE_BASE,
        answer("OPTIONS", 404, JSON, body="CORS error: Missing Access-Control-Request-Method"),
        answer("TRACE", 404, JSON, body=not_found),
        *(answer(f"preflight:{m}", 404, JSON, body=not_found) for m in ("POST", "PUT", "DELETE")),
    )

    assert (put.verdict, put.basis) == (Verdict.NOT_FOUND, Basis.INFERRED)
    assert "a CORS layer answers OPTIONS here" in put.source
