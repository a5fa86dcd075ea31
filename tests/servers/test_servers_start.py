"""Each fixture's server is up on 127.0.0.1 and answers a known path as its framework does."""

import pytest
import requests

from tests.servers.fixtures import Server

TIMEOUT = 5


def _get(server: Server, path: str) -> requests.Response:
    return requests.get(server.url(path), timeout=TIMEOUT, allow_redirects=False)


@pytest.mark.parametrize(
    ("fixture", "path"),
    [
        ("stdlib_server", "/items"),
        ("django_server", "/items/"),
        ("flask_server", "/items"),
        ("starlette_server", "/items"),
        ("fastapi_server", "/items"),
        ("fastapi_cors_server", "/items"),
    ],
)
def test_framework_server_serves_items(
    request: pytest.FixtureRequest, fixture: str, path: str
) -> None:
    assert _get(request.getfixturevalue(fixture), path).status_code == 200


def test_nginx_server_serves_a_static_file(nginx_server: Server) -> None:
    response = _get(nginx_server, "/static/hello.txt")
    assert response.status_code == 200
    assert response.headers["Server"].startswith("nginx")


def test_nginx_server_proxies_get_to_its_upstream(nginx_server: Server) -> None:
    assert _get(nginx_server, "/api/items").json() == {"upstream": True}


def test_express_server_serves_items(express_server: Server) -> None:
    response = _get(express_server, "/items")
    assert response.status_code == 200
    assert response.headers["X-Powered-By"] == "Express"


def test_broken_gateway_serves_the_correct_path(broken_gateway: Server) -> None:
    assert _get(broken_gateway, "/correct").status_code == 200
