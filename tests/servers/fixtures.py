"""Real HTTP servers on 127.0.0.1 for probe tests, one session-scoped fixture each.

Each fixture yields a `Server`; the modules beside this one say what each path answers, and
OBSERVED.md records what the real frameworks did answer. The context managers under the
fixtures also work outside pytest (runners.py builds the whole corpus from them).
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from socketserver import TCPServer
from typing import Any

import pytest
import uvicorn

from tests.servers import broken_gateway as gateway_app
from tests.servers import fastapi_app, flask_app, nginx, starlette_app, stdlib_app

ROOT = Path(__file__).resolve().parents[2]
EXPRESS_DIR = Path(__file__).resolve().parent / "express"
HOST = "127.0.0.1"
START_TIMEOUT = 15.0


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path


class ServerUnavailable(RuntimeError):
    """The machine lacks what the server needs (and can't get it); tests skip, not fail."""


def free_port() -> int:
    """A port nothing listens on now, for servers in other processes that need a number."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int,
    *,
    timeout: float = START_TIMEOUT,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Return once something accepts connections on the port; fail fast if `process` dies."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            pass
        exited = process is not None and process.poll() is not None
        if exited or time.monotonic() > deadline:
            output = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            reason = "exited" if exited else f"did not listen within {timeout:.0f}s"
            raise RuntimeError(f"server on port {port} {reason}:\n{output}")
        time.sleep(0.02)


@contextmanager
def serving_in_thread(name: str, server: TCPServer) -> Iterator[Server]:
    """Serve a bound socketserver (http.server, Werkzeug) from a thread of this process."""
    port = int(server.server_address[1])
    # A short poll interval makes shutdown() return in milliseconds, not half a second.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
    )
    thread.start()
    try:
        wait_for_port(port)
        yield Server(name=name, base_url=f"http://{HOST}:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serving_with_uvicorn(name: str, app: Any) -> Iterator[Server]:
    """Serve an ASGI app with uvicorn's defaults from a thread of this process."""
    sock = socket.socket()
    sock.bind((HOST, 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield Server(name=name, base_url=f"http://{HOST}:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


@contextmanager
def serving_process(
    name: str, argv: list[str], *, port: int, workdir: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Run a server as a child process, its output in workdir/<name>.log."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        wait_for_port(port, process=process, log=log)
        yield Server(name=name, base_url=f"http://{HOST}:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The stacks served from a thread of this process, by name: how each builds its server.
_IN_THREAD: dict[str, Callable[[], TCPServer]] = {
    "stdlib": stdlib_app.make_server,
    "broken_gateway": gateway_app.make_server,
    "flask": flask_app.build_server,
}


def run_in_thread(name: str) -> AbstractContextManager[Server]:
    return serving_in_thread(name, _IN_THREAD[name]())


@contextmanager
def run_starlette() -> Iterator[Server]:
    with serving_with_uvicorn("starlette", starlette_app.app) as server:
        yield server


@contextmanager
def run_fastapi(*, cors: bool) -> Iterator[Server]:
    name = "fastapi_cors" if cors else "fastapi"
    with serving_with_uvicorn(name, fastapi_app.build(cors=cors)) as server:
        yield server


@contextmanager
def run_django_project(name: str, workdir: Path) -> Iterator[Server]:
    """tests/servers/<name>_app.py in a process of its own: its Django settings are not
    the test run's."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    argv = [sys.executable, "-m", f"tests.servers.{name}_app", str(port)]
    with serving_process(name, argv, port=port, workdir=workdir, env=env) as server:
        yield server


def run_django(workdir: Path) -> AbstractContextManager[Server]:
    return run_django_project("django", workdir)


@contextmanager
def run_nginx(workdir: Path) -> Iterator[Server]:
    binary = nginx.binary()
    if binary is None:
        if os.geteuid() != 0:
            raise ServerUnavailable("nginx is not installed and only root can apt-get it")
        result = nginx.install()
        binary = nginx.binary()
        if result.returncode != 0 or binary is None:
            raise RuntimeError(f"apt-get install nginx failed:\n{result.stdout}{result.stderr}")
    port, upstream_port = free_port(), free_port()
    conf = nginx.write_config(workdir, port=port, upstream_port=upstream_port)
    with serving_process(
        "nginx", nginx.command(binary, conf), port=port, workdir=workdir
    ) as server:
        yield server


@contextmanager
def run_express(workdir: Path) -> Iterator[Server]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise ServerUnavailable("node and npm are needed for the Express server")
    if not (EXPRESS_DIR / "node_modules" / "express").is_dir():
        result = subprocess.run(
            [npm, "ci", "--prefix", str(EXPRESS_DIR), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise ServerUnavailable(f"npm ci failed:\n{result.stdout}{result.stderr}")
    port = free_port()
    argv = [node, str(EXPRESS_DIR / "app.js"), str(port)]
    with serving_process("express", argv, port=port, workdir=workdir) as server:
        yield server


@contextmanager
def _or_skip(running: AbstractContextManager[Server]) -> Iterator[Server]:
    try:
        with running as server:
            yield server
    except ServerUnavailable as unavailable:
        pytest.skip(str(unavailable))


@pytest.fixture(scope="session")
def stdlib_server() -> Iterator[Server]:
    with run_in_thread("stdlib") as server:
        yield server


@pytest.fixture(scope="session")
def django_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_django(tmp_path_factory.mktemp("django")) as server:
        yield server


@pytest.fixture(scope="session")
def flask_server() -> Iterator[Server]:
    with run_in_thread("flask") as server:
        yield server


@pytest.fixture(scope="session")
def starlette_server() -> Iterator[Server]:
    with run_starlette() as server:
        yield server


@pytest.fixture(scope="session")
def fastapi_server() -> Iterator[Server]:
    with run_fastapi(cors=False) as server:
        yield server


@pytest.fixture(scope="session")
def fastapi_documented() -> Iterator[Server]:
    """The FastAPI app serving its own OpenAPI document at /openapi.json."""
    with serving_with_uvicorn("fastapi", fastapi_app.build(cors=False, openapi=True)) as server:
        yield server


@pytest.fixture(scope="session")
def fastapi_cors_server() -> Iterator[Server]:
    with run_fastapi(cors=True) as server:
        yield server


@pytest.fixture(scope="session")
def nginx_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _or_skip(run_nginx(tmp_path_factory.mktemp("nginx"))) as server:
        yield server


@pytest.fixture(scope="session")
def express_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _or_skip(run_express(tmp_path_factory.mktemp("express"))) as server:
        yield server


@pytest.fixture(scope="session")
def broken_gateway() -> Iterator[Server]:
    with run_in_thread("broken_gateway") as server:
        yield server
