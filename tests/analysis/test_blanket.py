"""Unsent verbs a layer refuses alike before any route (analysis/blanket.py), on answers
written as the real layers give them (tests/servers/OBSERVED.md)."""

import pytest

from diagnoser.analysis.model import Basis, Verdict
from diagnoser.probing.model import UNKNOWN_METHOD, Observation
from tests.analysis.test_inference import HTML, JSON, SAFE_BASE, answer, cell

NGINX = ("server", "nginx/1.22.1")
NGINX_403 = "<html><head><title>403 Forbidden</title></head><center>nginx</center>"
NGINX_405 = "<html><head><title>405 Not Allowed</title></head><center>nginx</center>"
CSRF_PAGE = '<meta name="robots" content="NONE,NOARCHIVE">\n  <title>403 Forbidden</title>'


def _nginx(status: int, body: str) -> tuple[Observation, ...]:
    """GET served, OPTIONS and the made-up verb answered by nginx's own page."""
    return (
        answer("GET", 200, JSON, NGINX),
        answer("OPTIONS", status, HTML, NGINX, body=body),
        answer(UNKNOWN_METHOD, status, HTML, NGINX, body=body),
    )


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_djangos_csrf_page_for_the_made_up_verb_forbids_every_unsafe_verb(method: str) -> None:
    found = cell(
        method,
        *SAFE_BASE,
        answer("OPTIONS", 405, HTML, ("allow", "GET, POST")),
        answer(UNKNOWN_METHOD, 403, HTML, body=CSRF_PAGE),
    )

    assert (found.verdict, found.basis) == (Verdict.FORBIDDEN, Basis.INFERRED)
    assert "CsrfViewMiddleware" in found.source


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_web_servers_403_to_options_and_the_made_up_verb_forbids_put_patch_delete(
    method: str,
) -> None:
    found = cell(method, *_nginx(403, NGINX_403))

    assert (found.verdict, found.basis) == (Verdict.FORBIDDEN, Basis.INFERRED)
    assert "limit_except" in found.source


def test_post_beside_a_web_servers_method_rule_stays_unknown() -> None:
    post = cell("POST", *_nginx(403, NGINX_403))

    assert post.verdict is Verdict.UNKNOWN
    assert "commonly except POST" in post.source


def test_a_phantom_verb_the_rule_lets_through_leaves_put_unknown() -> None:
    put = cell(
        "PUT",
        *_nginx(403, NGINX_403),
        answer("phantom:DELETE", 404, JSON, NGINX, body='{"error": "no such item"}'),
    )

    assert put.verdict is Verdict.UNKNOWN
    assert "DELETE on a phantom id got 404" in put.source


def test_an_app_403_to_options_and_the_made_up_verb_is_no_method_rule() -> None:
    # Same 403 everywhere but from the app (no web server's own page): an auth check.
    put = cell(
        "PUT",
        answer("GET", 200, JSON),
        answer("OPTIONS", 403, JSON, body='{"error": "forbidden"}'),
        answer(UNKNOWN_METHOD, 403, JSON, body='{"error": "forbidden"}'),
    )

    assert put.verdict is Verdict.UNKNOWN


def test_api_gateways_403_leaves_a_verb_it_may_define_unknown() -> None:
    token = '{"message":"Missing Authentication Token"}'
    put = cell(
        "PUT",
        answer("GET", 200, JSON),
        answer("OPTIONS", 403, JSON, body=token),
        answer(UNKNOWN_METHOD, 403, JSON, body=token),
    )

    assert put.verdict is Verdict.UNKNOWN
    assert "does not define" in put.source


@pytest.mark.parametrize(
    ("method", "verdict"),
    [("PUT", Verdict.REJECTED), ("DELETE", Verdict.REJECTED), ("POST", Verdict.REJECTED)],
)
def test_nginxs_own_405_to_options_and_the_made_up_verb_refuses_unsent_verbs_on_a_file(
    method: str, verdict: Verdict
) -> None:
    found = cell(method, *_nginx(405, NGINX_405))

    assert (found.verdict, found.basis) == (verdict, Basis.INFERRED)
    assert "static file handler" in found.source


def test_nginxs_own_405_beside_an_app_that_answers_options_is_not_the_static_handler() -> None:
    put = cell(
        "PUT",
        answer("GET", 200, JSON, NGINX),
        answer("OPTIONS", 200, NGINX, ("allow", "GET, HEAD, PUT")),
        answer(UNKNOWN_METHOD, 405, HTML, NGINX, body=NGINX_405),
    )

    assert "static file handler" not in put.source
