"""Real parts for monitoring tests: Redis, a Celery worker, the specimen API, a webhook
receiver. Nothing of ours is mocked; the worker runs tasks against the test database.
"""

import ipaddress
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.worker import WorkController
from django.db import connection

from diagnoser.celery import app as celery_app
from diagnoser.specimen.app import SpecimenApp
from diagnoser.specimen.server import make_specimen_server, serve_in_thread
from tests.stubs import Reply, Request, StubServer

# Dedicated Redis databases, flushed: 13 for the in-thread worker, 14 for subprocess ones.
REDIS_URL = os.environ.get("DIAGNOSER_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
SUBPROCESS_REDIS_URL = os.environ.get(
    "DIAGNOSER_TEST_SUBPROCESS_REDIS_URL", "redis://127.0.0.1:6379/14"
)
# A queue of this test process's own: other test runs on this machine share the Redis.
QUEUE = f"diagnoser-test-{os.getpid()}"
LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]


def use_broker(url: str) -> None:
    """Point the app (and its cached connection pools) at another broker."""
    celery_app.conf.update(
        broker_url=url,
        broker_transport_options={"visibility_timeout": 3600},
        task_default_queue=QUEUE,
    )
    # Celery caches its connection and producer pools and its queue table; drop them so
    # the next publish goes to the new URL and queue.
    setattr(celery_app, "_pool", None)  # noqa: B010
    setattr(celery_app.amqp, "_producer_pool", None)  # noqa: B010
    for cached in ("queues", "default_queue", "router"):  # built from task_default_queue
        celery_app.amqp.__dict__.pop(cached, None)


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Publish to another broker for a while, putting back the URL and the transport
    options (the filesystem broker's folders) afterwards."""
    previous, options = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    use_broker(url)
    try:
        yield
    finally:
        use_broker(previous)
        celery_app.conf.broker_transport_options = options


CLOSED_PORT_BROKER = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


def broker_down() -> AbstractContextManager[None]:
    """A broker nobody answers: publishing fails, and no worker ever takes a run."""
    return broker_at(CLOSED_PORT_BROKER)


def database_url() -> str:
    """The test database as a URL, for worker processes."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}"


def _redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.ConnectionError:
        return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """The machine's Redis; started here (installed with apt-get if need be) when down."""
    if _redis_up(REDIS_URL):
        yield REDIS_URL
        return
    binary = shutil.which("redis-server")
    if binary is None and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "redis-server"], check=True, capture_output=True
        )
        binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("Redis is not running on 127.0.0.1:6379 and redis-server is not installed")
    port = redis.Redis.from_url(REDIS_URL).connection_pool.connection_kwargs["port"]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path_factory.mktemp("redis"),
        stdout=subprocess.DEVNULL,
    )
    wait_for(lambda: _redis_up(REDIS_URL), timeout=10, what="redis-server to start")
    yield REDIS_URL
    process.terminate()
    process.wait(10)


@contextmanager
def worker_in_thread() -> Iterator[WorkController]:
    """A real worker in this process, on Redis and this test process's own (emptied) queue."""
    redis.Redis.from_url(REDIS_URL).delete(QUEUE)
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ) as worker:
        yield worker


@pytest.fixture(scope="session")
def celery_worker(redis_server):
    use_broker(REDIS_URL)
    with worker_in_thread() as worker:
        yield worker


@pytest.fixture
def loopback_allowed(settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    settings.DIAGNOSER_WEBHOOK_BACKOFF = 0.2
    return settings


class Specimens:
    def __init__(self) -> None:
        self.apps = {env: SpecimenApp(env) for env in ("staging", "prod")}
        self.servers = {env: make_specimen_server(app) for env, app in self.apps.items()}
        for server in self.servers.values():
            serve_in_thread(server)

    def url(self, env: str) -> str:
        return f"http://127.0.0.1:{self.servers[env].server_port}"

    def reset(self) -> None:
        for env, app in self.apps.items():
            app.env = env
            app.latency = 0.0

    def close(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="session")
def specimen_servers():
    specimens = Specimens()
    yield specimens
    specimens.close()


@pytest.fixture
def specimens(specimen_servers):
    specimen_servers.reset()
    yield specimen_servers
    specimen_servers.reset()


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records what it gets; can be told to fail."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_next = 0
        self.server = StubServer(self._receive, protocol="HTTP/1.0").start()
        self.url = self.server.url("/hook")

    def _receive(self, request: Request) -> Reply:
        if request.method != "POST":
            return Reply(501)
        if self.fail_next:
            self.fail_next -= 1
            return Reply(503)
        self.received.append(json.loads(request.body))
        return Reply(200)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.close()


def wait_for(condition: Callable[[], Any], *, timeout: float = 30.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
