"""Context managers that run the corpus stacks fixtures.py does not: each starts one real
server on a free 127.0.0.1 port and yields a `Server`; corpus_servers() starts them all.

They work inside pytest (test_corpus.py) and outside it (bench/accuracy.py, record.py).
"""

import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from tests.machine import install_node_packages
from tests.servers import aiohttp_app, apache, nginx, tornado_app, wsgi_apps
from tests.servers.fixtures import (
    HOST,
    Server,
    ServerUnavailable,
    free_port,
    run_django,
    run_django_project,
    run_express,
    run_fastapi,
    run_in_thread,
    run_nginx,
    run_starlette,
    serving_in_thread,
    serving_process,
    wait_for_port,
)

NODE_DIR = Path(__file__).resolve().parent / "node"


@contextmanager
def run_aiohttp() -> Iterator[Server]:
    sock = socket.socket()
    sock.bind((HOST, 0))
    port = int(sock.getsockname()[1])
    with aiohttp_app.serving(sock):
        wait_for_port(port)
        yield Server(name="aiohttp", base_url=f"http://{HOST}:{port}")


@contextmanager
def run_tornado() -> Iterator[Server]:
    with tornado_app.serving() as port:
        wait_for_port(port)
        yield Server(name="tornado", base_url=f"http://{HOST}:{port}")


@contextmanager
def run_wsgi(name: str) -> Iterator[Server]:
    """Falcon, Bottle or Pyramid under Werkzeug's threaded server."""
    build = {
        "falcon": wsgi_apps.falcon_app,
        "bottle": wsgi_apps.bottle_app,
        "pyramid": wsgi_apps.pyramid_app,
    }[name]
    with serving_in_thread(name, make_server(HOST, 0, build(), threaded=True)) as server:
        yield server


def run_drf(workdir: Path) -> AbstractContextManager[Server]:
    return run_django_project("drf", workdir)


@contextmanager
def run_node(name: str, script: str, mode: str, workdir: Path) -> Iterator[Server]:
    """One of node/*.js in a mode ("", "cors", "allowed"); npm ci first if needed."""
    node = shutil.which("node")
    if node is None:
        raise ServerUnavailable("node is needed for the Node servers")
    # Normally done at session start (tests/machine.py); bench/accuracy.py runs outside it.
    problem = install_node_packages()
    if problem:
        raise ServerUnavailable(problem)
    port = free_port()
    argv = [node, str(NODE_DIR / script), str(port), *([mode] if mode else [])]
    with serving_process(name, argv, port=port, workdir=workdir) as server:
        yield server


@contextmanager
def run_nginx_proxy(
    name: str, workdir: Path, *, upstream: str, tiny_header_limits: bool = False
) -> Iterator[Server]:
    binary = nginx.binary()
    if binary is None:
        raise ServerUnavailable("nginx is not installed")
    port = free_port()
    conf = nginx.write_proxy_config(
        workdir, port=port, upstream=upstream, tiny_header_limits=tiny_header_limits
    )
    with serving_process(name, nginx.command(binary, conf), port=port, workdir=workdir) as server:
        yield server


@contextmanager
def run_apache(workdir: Path, *, upstream: str) -> Iterator[Server]:
    binary = apache.binary()
    if binary is None:
        raise ServerUnavailable("apache2 is not installed")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="diagnoser-apache-www-") as www:
        conf = apache.write_config(workdir, www=Path(www), port=port, upstream=upstream)
        with serving_process(
            "apache", apache.command(binary, conf), port=port, workdir=workdir
        ) as server:
            yield server


NODE_STACKS = {
    "fastify": ("fastify.js", ""),
    "fastify_cors": ("fastify.js", "cors"),
    "koa": ("koa.js", ""),
    "koa_allowed": ("koa.js", "allowed"),
    "koa_cors": ("koa.js", "cors"),
    "hapi": ("hapi.js", ""),
    "hapi_cors": ("hapi.js", "cors"),
}


@contextmanager
def corpus_servers(workdir: Path) -> Iterator[dict[str, Server]]:
    """Every corpus stack at once, by name; the proxies front the Flask app."""
    with ExitStack() as stack:

        def sub(name: str) -> Path:
            path = workdir / name
            path.mkdir(exist_ok=True)
            return path

        servers: dict[str, Server] = {}
        for server in (
            stack.enter_context(run_in_thread("stdlib")),
            stack.enter_context(run_in_thread("broken_gateway")),
            stack.enter_context(run_in_thread("flask")),
            stack.enter_context(run_starlette()),
            stack.enter_context(run_fastapi(cors=False)),
            stack.enter_context(run_fastapi(cors=True)),
            stack.enter_context(run_aiohttp()),
            stack.enter_context(run_tornado()),
            stack.enter_context(run_wsgi("falcon")),
            stack.enter_context(run_wsgi("bottle")),
            stack.enter_context(run_wsgi("pyramid")),
            stack.enter_context(run_django(sub("django"))),
            stack.enter_context(run_drf(sub("drf"))),
            stack.enter_context(run_nginx(sub("nginx"))),
            stack.enter_context(run_express(sub("express"))),
        ):
            servers[server.name] = server
        for name, (script, mode) in NODE_STACKS.items():
            servers[name] = stack.enter_context(run_node(name, script, mode, sub(name)))
        upstream = servers["flask"].base_url
        servers["nginx_proxy"] = stack.enter_context(
            run_nginx_proxy("nginx_proxy", sub("nginx_proxy"), upstream=upstream)
        )
        servers["nginx_tiny_headers"] = stack.enter_context(
            run_nginx_proxy(
                "nginx_tiny_headers",
                sub("nginx_tiny_headers"),
                upstream=upstream,
                tiny_header_limits=True,
            )
        )
        servers["apache"] = stack.enter_context(run_apache(sub("apache"), upstream=upstream))
        yield servers
