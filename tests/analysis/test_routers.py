"""An Allow names served methods only when a router built it (analysis/routers.py)."""

import pytest

from diagnoser.analysis.model import Basis, Verdict
from diagnoser.probing.model import UNKNOWN_METHOD, Observation
from tests.analysis.test_inference import JSON, SAFE_BASE, WERKZEUG_405, answer, cell

LISTED = ("allow", "GET, HEAD, POST, OPTIONS")


def test_a_hand_written_allow_naming_a_method_leaves_it_unknown() -> None:
    post = cell(
        "POST",
        *SAFE_BASE,
        answer("OPTIONS", 204, ("server", "gunicorn/21.2.0"), LISTED),
        answer(UNKNOWN_METHOD, 501, body="Not Implemented\n"),
    )

    assert post.verdict is Verdict.UNKNOWN
    assert "written by hand" in post.source


@pytest.mark.parametrize(
    "server", ["Werkzeug/3.1.9 Python/3.11.7", "uvicorn", "gunicorn/21.2.0", "Express"]
)
def test_a_servers_name_alone_does_not_make_its_allow_a_routers(server: str) -> None:
    # Werkzeug's and uvicorn's servers run hand-written apps as well as frameworks.
    post = cell(
        "POST",
        *SAFE_BASE,
        answer("OPTIONS", 204, ("server", server), ("x-powered-by", server), LISTED),
        answer(UNKNOWN_METHOD, 405, ("server", server), LISTED, body="Method Not Allowed\n"),
    )

    assert post.verdict is Verdict.UNKNOWN


def test_a_hand_written_allow_still_says_a_method_it_omits_is_refused() -> None:
    put = cell(
        "PUT",
        *SAFE_BASE,
        answer("OPTIONS", 204, LISTED),
        answer(UNKNOWN_METHOD, 405, LISTED),
    )

    assert (put.verdict, put.basis) == (Verdict.REJECTED, Basis.INFERRED)


OPTIONS_LISTS = answer("OPTIONS", 200, LISTED)


@pytest.mark.parametrize(
    "built",
    [
        pytest.param(
            (OPTIONS_LISTS, answer("TRACE", 405, LISTED, body=WERKZEUG_405)), id="werkzeug"
        ),
        pytest.param(
            (answer("OPTIONS", 405, ("server", "Python/3.11 aiohttp/3.14.5"), LISTED),),
            id="aiohttp",
        ),
        pytest.param(
            (
                OPTIONS_LISTS,
                answer(
                    "TRACE", 405, JSON, LISTED, body='{"detail":"Method \\"TRACE\\" not allowed."}'
                ),
            ),
            id="django-rest-framework",
        ),
        pytest.param(
            (OPTIONS_LISTS, answer("TRACE", 501, LISTED, body="Not Implemented")), id="koa-router"
        ),
    ],
)
def test_an_allow_a_router_built_names_served_methods(built: tuple[Observation, ...]) -> None:
    post = cell("POST", *SAFE_BASE, *built, answer(UNKNOWN_METHOD, 405))

    assert (post.verdict, post.basis) == (Verdict.ACCEPTED, Basis.INFERRED)
    assert post.source.startswith("Allow on the")


@pytest.mark.parametrize(
    ("cors_list", "verdict"),
    [
        ("GET, HEAD, POST", Verdict.ACCEPTED),
        # A CORS default that lists every verb says nothing about this route.
        ("GET, HEAD, POST, PUT, PATCH, DELETE", Verdict.UNKNOWN),
    ],
)
def test_a_hand_written_allow_backed_by_the_cors_list_names_a_served_method(
    cors_list: str, verdict: Verdict
) -> None:
    post = cell(
        "POST",
        *SAFE_BASE,
        answer("OPTIONS", 204, LISTED),
        answer("preflight:POST", 204, LISTED, ("access-control-allow-methods", cors_list)),
        answer(UNKNOWN_METHOD, 501, body="Not Implemented\n"),
    )

    assert post.verdict is verdict
