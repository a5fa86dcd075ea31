"""Soak: a drift check every 10 s against hostile targets, with two workers, on loopback.

    .venv/bin/python -m bench.soak [--minutes 10] [--every 10] [--postgres]
        [--sample-every 30] [--window 60] [--gets 20]

Two hostile servers on 127.0.0.1 (staging and prod) answer each endpoint path with one
misbehaviour from tests/probing/servers.py (endless body, gzip bomb, trickled body and
headers, 10,000 headers, a 100 KB header line, a bad status line), echo the probe's
credentials back in the usual encodings, answer 95 Access-Control-X-n headers of 60 KB
with a random tag, or (prod only) flip DELETE between 405 and 204 each interval so every
report changes drift and sends its webhook. The webhook goes to a receiver that waits,
then streams megabytes slowly: the outbound caps must cut it. A scratch database (SQLite
under a temp dir, or PostgreSQL `diagnoser_soak` with --postgres), two Celery workers
(threads), one beat and gunicorn run against Redis db 0 (flushed at start).

Every 30 s (--sample-every) a line: elapsed, reports finished, runs done/failed/stuck,
each worker's RSS, the web RSS, the database size, p50/p95 of 20 (--gets) logged-in GETs
of the drift page and of the endpoint page. At the end a first-minute vs last-minute table
(the span is --window) and a verdict on flat. Redis is SOAK_REDIS_URL when set (the test
suite's smoke run uses a db of its own).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import html
import json
import math
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "SOAK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/diagnoser_soak"
)
SECRET = "Bearer soak-secret/token+value=="

from tests.probing.servers import (  # noqa: E402  (needs ROOT on the path)
    RawServer,
    endless_body,
    gzip_bomb,
    invalid_status_line,
    long_header_line,
    many_headers,
    read_request,
    slow_body,
    slow_headers,
)

Behaviour = Callable[[socket.socket, threading.Event], None]


class _Replayed:
    """The accepted socket, with the request already read handed out again first, so a
    behaviour from tests/probing/servers.py reads it as if nobody had."""

    def __init__(self, conn: socket.socket, data: bytes) -> None:
        self._conn, self._data = conn, data

    def settimeout(self, value: float | None) -> None:
        self._conn.settimeout(value)

    def recv(self, size: int) -> bytes:
        if self._data:
            data, self._data = self._data, b""
            return data
        return self._conn.recv(size)

    def sendall(self, data: bytes) -> None:
        self._conn.sendall(data)


def _answer(conn: socket.socket, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def _credentials(conn: socket.socket, request: bytes) -> None:
    """The Authorization header back in the body, raw and in the encodings a careless
    API uses: what scrubbing must catch before anything is stored."""
    headers = dict(
        line.split(": ", 1) for line in request.decode("latin-1").split("\r\n")[1:] if ": " in line
    )
    secret = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    echoed = {
        "raw": secret,
        "json": json.dumps(secret).replace("/", "\\/"),
        "percent": urllib.parse.quote(secret, safe=""),
        "base64": base64.b64encode(secret.encode()).decode(),
        "lower": secret.lower(),
        "html": html.escape(secret).replace("/", "&#x2F;"),
    }
    allow = [("Allow", "GET, HEAD, OPTIONS"), ("Content-Type", "application/json")]
    _answer(conn, "200 OK", allow, json.dumps(echoed).encode())


def _cors_x(conn: socket.socket) -> None:
    """95 Access-Control-X-n headers of 60 KB with a random tag (5.7 MB of headers)."""
    tag = f"{random.getrandbits(64):016x}"
    value = (tag * (60_000 // len(tag) + 1))[:60_000]
    headers = [(f"Access-Control-X-{n}", value) for n in range(95)]
    _answer(conn, "200 OK", [("Allow", "GET, HEAD, OPTIONS"), *headers], b"")


def _flap(conn: socket.socket, method: str, flips: bool, every: float) -> None:
    """Prod accepts DELETE in every other interval: each report sees drift appear or go."""
    deletes = flips and math.floor(time.time() / every) % 2 == 1
    allow = "GET, HEAD, OPTIONS, DELETE" if deletes else "GET, HEAD, OPTIONS"
    if method in ("GET", "HEAD", "OPTIONS") or (method == "DELETE" and deletes):
        _answer(conn, "200 OK" if method != "DELETE" else "204 No Content", [("Allow", allow)], b"")
    else:
        _answer(conn, "405 Method Not Allowed", [("Allow", allow)], b"")


RAW: dict[str, Behaviour] = {
    "endless": endless_body,
    "gzip-bomb": gzip_bomb,
    "trickle-body": slow_body,
    "trickle-headers": slow_headers,
    "many-headers": many_headers,
    "huge-header": long_header_line,
    "bad-status": invalid_status_line,
}
PATHS = [*RAW, "credentials", "cors-x", "flap"]


def hostile(*, flips: bool, every: float) -> Behaviour:
    def serve(conn: socket.socket, stop: threading.Event) -> None:
        request = read_request(conn)
        method, _, rest = request.decode("latin-1").partition(" ")
        name = rest.split(" ", 1)[0].strip("/").split("/")[0]
        if name in RAW:
            RAW[name](_Replayed(conn, request), stop)  # type: ignore[arg-type]
        elif name == "credentials":
            _credentials(conn, request)
        elif name == "cors-x":
            _cors_x(conn)
        else:
            _flap(conn, method, flips, every)

    return serve


@dataclasses.dataclass
class WebhookLog:
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    deliveries: int = 0
    longest_held: float = 0.0
    most_bytes: int = 0


def slow_huge_webhook(log: WebhookLog) -> Behaviour:
    """Waits 2 s, then streams up to 300 MB at 2.5 MB/s with no Content-Length: a caller
    without a deadline and a read cap holds a thread and memory for minutes."""

    def serve(conn: socket.socket, stop: threading.Event) -> None:
        started, sent = time.monotonic(), 0
        try:
            read_request(conn)
            if stop.wait(2):
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            chunk = b"w" * (256 << 10)
            while sent < 300 << 20 and not stop.wait(0.1):
                conn.sendall(chunk)
                sent += len(chunk)
        finally:
            with log.lock:
                log.deliveries += 1
                log.longest_held = max(log.longest_held, time.monotonic() - started)
                log.most_bytes = max(log.most_bytes, sent)

    return serve


@dataclasses.dataclass
class Sample:
    elapsed: float
    reports: int
    runs_done: int
    runs_failed: int
    runs_stuck: int
    worker_rss: list[float]
    web_rss: float
    db_bytes: int
    drift_ms: list[float]
    endpoint_ms: list[float]


def _rss_mb(pid: int) -> float:
    """VmRSS of a process and its children (gunicorn's and celery's own workers)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = next((int(x.split()[1]) / 1024 for x in status if x.startswith("VmRSS:")), 0.0)
    return own + sum(_rss_mb(int(c)) for c in children)


def _db_bytes(sqlite: Path | None) -> int:
    if sqlite is not None:
        # Pages in use as a reader sees them (WAL included): the file itself jumps with
        # checkpoints and the WAL's own size is a high-water mark.
        with contextlib.closing(sqlite3.connect(f"file:{sqlite}?mode=ro", uri=True)) as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            return int(pages * db.execute("PRAGMA page_size").fetchone()[0])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed_gets(session: object, url: str, gets: int) -> list[float]:
    import requests

    assert isinstance(session, requests.Session)
    times = []
    for _ in range(gets):
        started = time.monotonic()
        answer = session.get(url, timeout=60, allow_redirects=False)
        if answer.status_code != 200:
            sys.exit(f"{url}: {answer.status_code} (the session cookie did not log in?)")
        times.append((time.monotonic() - started) * 1000)
    return times


def _sample(
    started: float,
    workers: list[int],
    web: int,
    sqlite: Path | None,
    urls: tuple[str, str],
    session: object,
    gets: int,
) -> Sample:
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from diagnoser.monitoring.models import DriftReport, ProbeRun

    drift_ms = _timed_gets(session, urls[0], gets)
    endpoint_ms = _timed_gets(session, urls[1], gets)
    minute_ago = timezone.now() - timedelta(seconds=60)
    sample = Sample(
        elapsed=time.monotonic() - started,
        reports=DriftReport.objects.filter(state=DriftReport.State.DONE).count(),
        runs_done=ProbeRun.objects.filter(state=ProbeRun.State.DONE).count(),
        runs_failed=ProbeRun.objects.filter(state=ProbeRun.State.FAILED).count(),
        # Probing is bounded by the 10 s deadline: a run unfinished a minute after it was
        # queued is waiting on something that should not make it wait.
        runs_stuck=ProbeRun.objects.filter(
            state__in=[ProbeRun.State.QUEUED, ProbeRun.State.RUNNING], queued_at__lt=minute_ago
        ).count(),
        worker_rss=[_rss_mb(pid) for pid in workers],
        web_rss=_rss_mb(web),
        db_bytes=_db_bytes(sqlite),
        drift_ms=drift_ms,
        endpoint_ms=endpoint_ms,
    )
    connection.close()
    return sample


def _print_sample(s: Sample) -> None:
    print(
        f"{s.elapsed:6.0f} s  reports {s.reports:4d}  runs {s.runs_done:5d} done "
        f"{s.runs_failed:3d} failed {s.runs_stuck:3d} stuck  workers "
        f"{' '.join(f'{r:4.0f}' for r in s.worker_rss)} MB  web {s.web_rss:4.0f} MB  "
        f"db {s.db_bytes / 1e6:7.2f} MB  drift p50/p95 {_percentile(s.drift_ms, 0.5):4.0f}/"
        f"{_percentile(s.drift_ms, 0.95):4.0f} ms  endpoint {_percentile(s.endpoint_ms, 0.5):4.0f}/"
        f"{_percentile(s.endpoint_ms, 0.95):4.0f} ms",
        flush=True,
    )


@dataclasses.dataclass
class Window:
    worker_rss: float
    web_rss: float
    db_growth_mb_per_min: float
    db_kb_per_report: float
    drift_p50: float
    drift_p95: float
    endpoint_p50: float
    endpoint_p95: float


def _window(samples: list[Sample], before: Sample) -> Window:
    """Figures over `samples`; growth counted from `before`, the sample just ahead."""
    last = samples[-1]
    grown = last.db_bytes - before.db_bytes
    drift = [ms for s in samples for ms in s.drift_ms]
    endpoint = [ms for s in samples for ms in s.endpoint_ms]
    return Window(
        worker_rss=statistics.mean(sum(s.worker_rss) for s in samples),
        web_rss=statistics.mean(s.web_rss for s in samples),
        db_growth_mb_per_min=grown / 1e6 / ((last.elapsed - before.elapsed) / 60),
        db_kb_per_report=grown / 1e3 / max(1, last.reports - before.reports),
        drift_p50=_percentile(drift, 0.5),
        drift_p95=_percentile(drift, 0.95),
        endpoint_p50=_percentile(endpoint, 0.5),
        endpoint_p95=_percentile(endpoint, 0.95),
    )


# A report whose targets answered as last time stores a run per target and the report:
# observations are de-duplicated. The budget leaves room for the flapping target's new
# observations; a target that defeats de-duplication blows it.
DB_BUDGET_KB_PER_REPORT = 256


def _summary(
    samples: list[Sample], start: Sample, webhooks: WebhookLog, sample_every: float, window: float
) -> None:
    """Compares the first, middle and last `window` seconds (a minute unless asked)."""
    per_minute = max(1, round(window / sample_every))
    span = "minute" if window == 60 else f"{window:g} s"
    if len(samples) < 3 * per_minute:
        print(f"too short for a first/middle/last {span} comparison")
        return
    mid = len(samples) // 2 - per_minute // 2
    windows = [
        _window(samples[:per_minute], start),
        _window(samples[mid : mid + per_minute], samples[mid - 1]),
        _window(samples[-per_minute:], samples[-per_minute - 1]),
    ]
    first, middle, last = windows
    rows = [
        ("workers RSS, MB (sum of 2)", ("worker_rss",), "{:.0f}"),
        ("web RSS, MB (gunicorn, 2 workers)", ("web_rss",), "{:.0f}"),
        ("DB growth, MB/min", ("db_growth_mb_per_min",), "{:.2f}"),
        ("DB growth per report, KB", ("db_kb_per_report",), "{:.0f}"),
        ("drift page p50 / p95, ms", ("drift_p50", "drift_p95"), "{:.0f}"),
        ("endpoint page p50 / p95, ms", ("endpoint_p50", "endpoint_p95"), "{:.0f}"),
    ]
    print(f"\n| | first {span} | middle {span} | last {span} |\n|---|---|---|---|")
    for label, names, fmt in rows:
        cells = [" / ".join(fmt.format(getattr(w, n)) for n in names) for w in windows]
        print(f"| {label} | {' | '.join(cells)} |")
    end = samples[-1]
    print(
        f"\n{end.reports} reports, {end.runs_done} runs done, {end.runs_failed} failed, "
        f"{end.runs_stuck} stuck; database {start.db_bytes / 1e6:.2f} -> "
        f"{end.db_bytes / 1e6:.2f} MB; webhook: {webhooks.deliveries} deliveries, longest "
        f"held {webhooks.longest_held:.1f} s, at most {webhooks.most_bytes / 1e6:.1f} MB "
        "written (socket buffers included)"
    )
    # Flat: the second half of the soak costs no more than the first (the first minute
    # is warm-up: caches, pools, allocator arenas); the database stays within its budget
    # per report; latency does not double. Noise allowances: a shared machine.
    verdicts = {
        "worker memory": last.worker_rss <= middle.worker_rss * 1.1 + 16,
        "web memory": last.web_rss <= middle.web_rss * 1.1 + 16,
        "database": last.db_kb_per_report <= DB_BUDGET_KB_PER_REPORT,
        "latency": last.drift_p95 <= first.drift_p95 * 2 + 50
        and last.endpoint_p95 <= first.endpoint_p95 * 2 + 50,
        "no stuck runs": end.runs_stuck == 0,
    }
    print(
        "verdict: "
        + ("FLAT" if all(verdicts.values()) else "NOT FLAT")
        + " ("
        + ", ".join(f"{k} {'ok' if v else 'NOT FLAT'}" for k, v in verdicts.items())
        + ")"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(database_url: str, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "diagnoser.settings",
        "DATABASE_URL": database_url,
        "DIAGNOSER_VAR_DIR": str(tmp),
        "CELERY_BROKER_URL": REDIS_URL,
        "REDIS_URL": REDIS_URL,
        "DIAGNOSER_ALLOW_NETWORKS": "127.0.0.0/8",
        "DIAGNOSER_LOG_LEVEL": "WARNING",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # as docker-compose.yml runs workers: connections kept between tasks
        "DATABASE_CONN_MAX_AGE": "600",
        "DATABASE_CONN_HEALTH_CHECKS": "0",
    }


def _postgres_create(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _seed(servers: dict[str, str], webhook: str, every: int) -> tuple[str, str, str]:
    """(drift page path, endpoint page path, session cookie) of the owner."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from diagnoser.inventory.services import (
        endpoint_create,
        environment_create,
        secret_header_set,
        service_create,
        workspace_create,
    )
    from diagnoser.monitoring.services.drift_checks import drift_check_create

    owner = User.objects.create_user("soak", password=None)
    service = service_create(workspace=workspace_create(name="soak", owner=owner), name="hostile")
    for name, base in servers.items():
        environment = environment_create(
            service=service, name=name, base_url=base, probe_policy="full"
        )
        secret_header_set(environment=environment, name="Authorization", value=SECRET)
    endpoints = {path: endpoint_create(service=service, path=f"/{path}") for path in PATHS}
    drift_check_create(service=service, name="soak", every=every, webhook_url=webhook)
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    return (
        reverse("web:drift", args=[service.id]),
        reverse("web:endpoint", args=[service.id, endpoints["cors-x"].id]),
        client.cookies["sessionid"].value,
    )


@contextlib.contextmanager
def _processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Started processes are terminated (then killed) however the block ends: a worker
    in warm shutdown finishes its probes first, which the probe deadline bounds."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _spawn(
    started: list[subprocess.Popen[bytes]],
    env: dict[str, str],
    logs: Path,
    name: str,
    *args: str,
) -> subprocess.Popen[bytes]:
    with open(logs / f"{name}.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    started.append(process)
    return process


def _wait_http(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            requests.get(url, timeout=2)
            return
        time.sleep(0.3)
    sys.exit(f"{url} did not answer within {timeout} s")


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # the same clean-up as Ctrl-C


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--every", type=int, default=10, help="drift check interval, s")
    parser.add_argument("--postgres", action="store_true", help=f"use {POSTGRES_URL}")
    parser.add_argument("--sample-every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--gets", type=int, default=20, help="GETs per page per sample")
    parser.add_argument(
        "--window", type=float, default=60.0, help="seconds each of first, middle, last covers"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminated)

    tmp = Path(tempfile.mkdtemp(prefix="diagnoser-soak-"))
    sqlite = None if args.postgres else tmp / "soak.sqlite3"
    env = _environment(POSTGRES_URL if sqlite is None else f"sqlite:///{sqlite}", tmp)
    os.environ.update(env)
    if sqlite is None:
        _postgres_create(POSTGRES_URL)

    import django
    import redis
    import requests

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if sqlite is None:
        call_command("flush", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    redis.Redis.from_url(REDIS_URL).flushdb()

    webhooks = WebhookLog()
    raw = [
        RawServer(hostile(flips=False, every=args.every)),
        RawServer(hostile(flips=True, every=args.every)),
        RawServer(slow_huge_webhook(webhooks)),
    ]
    samples: list[Sample] = []
    start: Sample | None = None
    print(f"soak: {args.minutes:g} min, drift check every {args.every} s; logs in {tmp}")
    try:
        with _processes() as started:
            drift_path, endpoint_path, cookie = _seed(
                {"staging": raw[0].base_url, "prod": raw[1].base_url},
                f"{raw[2].base_url}/hook",
                args.every,
            )
            connection.close()
            workers = [
                _spawn(
                    started,
                    env,
                    tmp,
                    f"worker{i}",
                    "celery",
                    "-A",
                    "diagnoser",
                    "worker",
                    "--pool=threads",
                    "--concurrency=4",
                    "--loglevel=WARNING",
                    "--without-mingle",
                    "--without-gossip",
                    f"--hostname=soak{i}@%h",
                ).pid
                for i in range(2)
            ]
            _spawn(
                started,
                env,
                tmp,
                "beat",
                "celery",
                "-A",
                "diagnoser",
                "beat",
                "--loglevel=WARNING",
                f"--schedule={tmp / 'beat-schedule'}",
            )
            port = _free_port()
            web = _spawn(
                started,
                {**env, "DATABASE_CONN_MAX_AGE": "60"},
                tmp,
                "gunicorn",
                "gunicorn",
                "diagnoser.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ).pid
            base = f"http://127.0.0.1:{port}"
            _wait_http(f"{base}/login/")
            session = requests.Session()
            session.cookies.set("sessionid", cookie)
            urls = (base + drift_path, base + endpoint_path)
            started_at = time.monotonic()
            start = Sample(0.0, 0, 0, 0, 0, [], 0.0, _db_bytes(sqlite), [], [])
            end = started_at + args.minutes * 60
            while (next_at := started_at + args.sample_every * (len(samples) + 1)) <= end + 1:
                time.sleep(max(0.0, next_at - time.monotonic()))
                samples.append(_sample(started_at, workers, web, sqlite, urls, session, args.gets))
                _print_sample(samples[-1])
    except KeyboardInterrupt:
        print("interrupted: the processes the soak started are stopped", flush=True)
    finally:
        for server in raw:
            server.close()
    if start is not None:
        _summary(samples, start, webhooks, args.sample_every, args.window)


if __name__ == "__main__":
    main()
