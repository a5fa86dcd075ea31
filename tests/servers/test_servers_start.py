"""Each fixture's server is up on 127.0.0.1 and answers a known path as its framework does."""

import requests

from tests.servers.fixtures import Server

TIMEOUT = 5


def _get(server: Server, path: str) -> requests.Response:
    return requests.get(server.url(path), timeout=TIMEOUT, allow_redirects=False)


def test_stdlib_server_serves_items(stdlib_server: Server) -> None:
    assert _get(stdlib_server, "/items").status_code == 200


def test_django_server_serves_items(django_server: Server) -> None:
    assert _get(django_server, "/items/").status_code == 200


def test_flask_server_serves_items(flask_server: Server) -> None:
    assert _get(flask_server, "/items").status_code == 200


def test_starlette_server_serves_items(starlette_server: Server) -> None:
    assert _get(starlette_server, "/items").status_code == 200


def test_fastapi_server_serves_items(fastapi_server: Server) -> None:
    assert _get(fastapi_server, "/items").status_code == 200


def test_fastapi_cors_server_serves_items(fastapi_cors_server: Server) -> None:
    assert _get(fastapi_cors_server, "/items").status_code == 200


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
