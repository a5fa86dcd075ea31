"""Hostile targets probed by a real Celery worker process: each run ends as stored, done,
with the failure recorded as a probe error (or a body cut at the cap), within about the
probe deadline; the same worker process stays up, keeps probing, and its memory stays
bounded.

tests/probing/test_hostile_servers.py shows the engine alone survives these servers; here
the whole path is under test: task, engine, analysis, storage (JSON columns included).
The worker is a `celery worker` process of its own (as in production), so its resident
memory can be read from /proc and a crash in it could not hide behind the test process.
"""

import functools
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.inventory.services import (
    endpoint_create,
    environment_create,
    service_create,
    workspace_create,
)
from diagnoser.monitoring.models import ProbeRun
from diagnoser.monitoring.services.runs import run_request
from tests.monitoring.fixtures import (
    QUEUE,
    SUBPROCESS_REDIS_URL,
    broker_at,
    database_url,
    wait_for,
)
from tests.probing import servers
from tests.probing.servers import EchoServer, RawBehaviour, StartServer, read_request
from tests.probing.test_transport import self_signed  # noqa: F401 (fixture: a TLS cert)

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 1.5
MAX_BODY = 64 * 1024
# Generous: the point is "it ends, bounded", not how fast a loaded CI machine is.
ENDS_WITHIN = 20.0
RSS_GROWTH_LIMIT = 100 << 20
BOMB_SIZE = 256 << 20  # inflated; about 250 KiB on the wire


@pytest.fixture(scope="module")
def worker(redis_server: str, django_db_setup: None) -> Iterator[subprocess.Popen[bytes]]:
    """One worker process for the whole module: every test probes through the same one."""
    redis.Redis.from_url(SUBPROCESS_REDIS_URL).delete(QUEUE)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": SUBPROCESS_REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "DIAGNOSER_ALLOW_NETWORKS": "127.0.0.0/8",
        "DIAGNOSER_PROBE_DEADLINE": str(DEADLINE),
        "DIAGNOSER_READ_TIMEOUT": "3",
        "DIAGNOSER_MAX_BODY_BYTES": str(MAX_BODY),
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "diagnoser", "worker", "--pool=threads"),
            *("--concurrency=2", "--loglevel=WARNING", "--without-mingle", "--without-gossip"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield process
    process.terminate()
    process.wait(30)


@pytest.fixture(autouse=True)
def publish_to_the_worker() -> Iterator[None]:
    with broker_at(SUBPROCESS_REDIS_URL):
        yield


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoServer]:
    with servers.echo_serving() as server:
        yield server


@pytest.fixture
def raw_server() -> Iterator[StartServer]:
    with servers.raw_servers() as start:
        yield start


def _rss(process: subprocess.Popen[bytes]) -> int:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS in /proc/{process.pid}/status")


@pytest.fixture(autouse=True)
def bounded_memory(
    worker: subprocess.Popen[bytes], publish_to_the_worker: None, echo: EchoServer
) -> Iterator[None]:
    """The worker's resident memory grows by less than RSS_GROWTH_LIMIT over the test
    (measured after a normal run, so the worker and its engine exist already), and the
    process is still the one that started."""
    _the_worker_still_probes(echo)
    before = _rss(worker)
    yield
    assert worker.poll() is None, "the worker process died"
    growth = _rss(worker) - before
    assert growth < RSS_GROWTH_LIMIT, f"the worker grew by {growth >> 20} MiB"


def _target(base_url: str) -> tuple[Endpoint, Environment]:
    name = f"hostile-{time.monotonic_ns()}"
    service = service_create(workspace=workspace_create(name=name), name=name)
    environment = environment_create(
        service=service, name="test", base_url=base_url, probe_policy="full"
    )
    return endpoint_create(service=service, path="/"), environment


def _run_of(base_url: str) -> ProbeRun:
    """A run requested as "Probe now" does, once the worker has finished it."""
    endpoint, environment = _target(base_url)
    run = run_request(endpoint=endpoint, environment=environment)
    return wait_for(
        lambda: ProbeRun.objects.filter(
            id=run.id, state__in=[ProbeRun.State.DONE, ProbeRun.State.FAILED]
        ).first(),
        timeout=ENDS_WITHIN * 2,
        what=f"the run of {base_url}",
    )


def _done(run: ProbeRun) -> list[dict[str, Any]]:
    """The stored observations of a run that ended as done, in time."""
    assert run.state == ProbeRun.State.DONE, run.failure_reason
    assert run.started_at is not None
    assert run.finished_at is not None
    assert (run.finished_at - run.started_at).total_seconds() < ENDS_WITHIN
    assert run.observation is not None
    observations: list[dict[str, Any]] = run.observation.observations
    assert len(observations) == 13  # the full policy: every verb and preflight
    return observations


def _rules(run: ProbeRun) -> set[str]:
    assert run.observation is not None
    return set(run.observation.findings.values_list("rule", flat=True))


def _get(observations: list[dict[str, Any]]) -> dict[str, Any]:
    return next(o for o in observations if o["probe"] == "GET")


def _the_worker_still_probes(echo: EchoServer) -> None:
    run = _run_of(f"http://127.0.0.1:{echo.server_address[1]}")
    assert {o["status"] for o in _done(run)} == {200}


def _all_failed_as(run: ProbeRun, kind: str, detail: str) -> None:
    observations = _done(run)
    assert {o["error_kind"] for o in observations} == {kind}
    assert {o["status"] for o in observations} == {None}
    assert detail in (_get(observations)["error"] or "")
    assert "probe_failed" in _rules(run)


@functools.cache
def _bomb() -> bytes:
    """BOMB_SIZE zeros, gzipped a mebibyte at a time (never all in memory at once)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    zeros = bytes(1 << 20)
    parts = [compressor.compress(zeros) for _ in range(BOMB_SIZE >> 20)]
    return b"".join(parts) + compressor.flush()


def gzip_bomb(conn: socket.socket, stop: threading.Event) -> None:
    servers.send_gzipped(conn, _bomb(), "application/json")


def one_byte_a_second(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    servers.trickle(conn, stop, 1.0)


HOSTILE_HEADERS = (
    b"HTTP/1.1 405 Method Not Allowed\r\n"
    b"Server: <script>alert(1)</script> caf\xe9 \xff\xfe\r\n"
    b'Allow: GET, "><img src=x onerror=alert(1)>\r\n'
    b"Access-Control-Allow-Methods: \x1b[31mPUT\x1b[0m, `rm -rf /`\r\n"
    b"Location: javascript:alert(document.cookie)\r\n"
    b"Via: 1.1 nul\x00byte\r\n"
    b"Content-Length: 10\r\nConnection: close\r\n\r\n\x00\xff<b>x</b>"
)


def hostile_header_values(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(HOSTILE_HEADERS)


def test_a_gzip_bomb_is_stored_as_the_raw_bytes_read_never_inflated(
    echo: EchoServer, raw_server: StartServer
) -> None:
    _bomb()  # compressed before the memory is measured
    run = _run_of(raw_server(gzip_bomb).base_url)

    get = _get(_done(run))
    assert get["status"] == 200
    assert ["content-encoding", "gzip"] in get["headers"]
    assert get["body_bytes"] == MAX_BODY
    assert get["body_truncated"]
    assert (
        "\x00" not in get["body_excerpt"]
    )  # gzip output has NUL bytes: PostgreSQL can't store them
    _the_worker_still_probes(echo)


def test_an_endless_body_is_cut_at_the_cap(echo: EchoServer, raw_server: StartServer) -> None:
    run = _run_of(raw_server(servers.endless_body).base_url)

    get = _get(_done(run))
    assert get["status"] == 200
    assert get["body_truncated"]
    assert get["body_bytes"] == MAX_BODY
    _the_worker_still_probes(echo)


def test_one_byte_a_second_ends_as_a_timeout_at_the_deadline(
    echo: EchoServer, raw_server: StartServer
) -> None:
    run = _run_of(raw_server(one_byte_a_second).base_url)

    observations = _done(run)
    # HEAD's answer ends with its headers, so only HEAD gets one.
    assert {o["error_kind"] for o in observations if o["probe"] != "HEAD"} == {"timeout"}
    assert "deadline" in _get(observations)["error"]
    assert "probe_failed" in _rules(run)
    _the_worker_still_probes(echo)


@pytest.mark.parametrize(
    ("behaviour", "detail"),
    [
        (servers.many_headers, "more than 100 header fields"),
        (servers.invalid_status_line, "bad status line"),
    ],
    ids=["10000-headers", "invalid-status-line"],
)
def test_a_malformed_answer_is_a_recorded_protocol_error(
    echo: EchoServer,
    raw_server: StartServer,
    behaviour: RawBehaviour,
    detail: str,
) -> None:
    run = _run_of(raw_server(behaviour).base_url)

    _all_failed_as(run, "protocol", detail)
    _the_worker_still_probes(echo)


def test_an_untrusted_certificate_is_a_recorded_tls_error(
    echo: EchoServer,
    raw_server: StartServer,
    self_signed: tuple[Path, Path],  # noqa: F811
) -> None:
    server = raw_server(servers.tls_answering(*self_signed))

    run = _run_of(f"https://127.0.0.1:{server.port}")

    _all_failed_as(run, "tls", "certificate")
    _the_worker_still_probes(echo)


def test_html_script_control_and_non_utf8_bytes_in_headers_are_stored_as_text(
    echo: EchoServer, raw_server: StartServer
) -> None:
    run = _run_of(raw_server(hostile_header_values).base_url)

    get = _get(_done(run))
    headers = dict(get["headers"])
    assert get["status"] == 405
    assert headers["server"] == "<script>alert(1)</script> caf\ufffd \ufffd\ufffd"
    assert headers["allow"] == 'GET, "><img src=x onerror=alert(1)>'
    assert headers["location"] == "javascript:alert(document.cookie)"
    # NUL can't be stored in PostgreSQL: it is shown as undecodable bytes are.
    assert headers["via"] == "1.1 nul\ufffdbyte"
    assert get["body_excerpt"] == "\ufffd\ufffd<b>x</b>"
    _the_worker_still_probes(echo)
