"""Load test: the dashboard under wrk while real workers sweep, on loopback only.

    .venv/bin/python bench/load.py [--duration 20] [--connections 4] [--endpoints 300]

gunicorn (2 sync workers) serves the dashboard on 127.0.0.1; wrk, logged in with a
session cookie, asks in turn for the overview, the service page and an endpoint page for
--duration seconds, while two Celery workers sweep the same service (a drift check over
every endpoint in staging and prod, started again as soon as one finishes) against two
local specimen servers adding --latency per request. Prints requests served, errors (socket
errors and every answer that is not 2xx: a redirect to the login page counts), latency
percentiles, and what the workers did meanwhile.

Uses its own database (var/bench/load.sqlite3, or DATABASE_URL: flushed, give it a
database of its own) and Redis db 11 (flushed). Installs Debian's wrk when missing (root).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)
SQLITE = BENCH_DIR / "load.sqlite3"
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/11")

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "diagnoser.settings",
    "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE}"),
    "CELERY_BROKER_URL": REDIS_URL,
    "CELERY_TASK_DEFAULT_QUEUE": "diagnoser-bench-load",
    "DIAGNOSER_ALLOW_NETWORKS": "127.0.0.0/8",
    "DIAGNOSER_LOG_LEVEL": "WARNING",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
}
os.environ.update(ENV)

# Every thread keeps its own count of answers that are not 2xx; done() adds them up and
# prints one JSON line the benchmark reads.
WRK_SCRIPT = """
local paths = {%(paths)s}
local cookie = "%(cookie)s"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0; sent = 0 end
function request()
  sent = sent + 1
  return wrk.format("GET", paths[(sent %% #paths) + 1], {["Cookie"] = cookie})
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%.3f, "non2xx": %%d, "connect": %%d, ' ..
    '"read": %%d, "write": %%d, "timeout": %%d, "p50": %%d, "p95": %%d, "p99": %%d, ' ..
    '"max": %%d}\\n',
    summary.requests, summary.duration / 1e6, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wrk() -> str:
    if shutil.which("wrk") is None and os.geteuid() == 0:
        subprocess.run(
            "apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)",
            shell=True,
            check=False,
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    binary = shutil.which("wrk")
    if binary is None:
        sys.exit("bench/load.py needs wrk: apt-get install wrk")
    return binary


def _specimen(env: str, latency: float) -> tuple[subprocess.Popen[bytes], str]:
    server = subprocess.Popen(
        [
            *(sys.executable, "manage.py", "run_specimen", "--env", env),
            *("--port", "0", "--latency", str(latency)),
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
    )
    assert server.stdout is not None
    return server, server.stdout.readline().decode().split(" on ")[1].strip().rstrip("/")


def _wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {timeout} s")


class Sweeper(threading.Thread):
    """Starts the drift check again each time its report is done, until stopped."""

    def __init__(self, check_id: int) -> None:
        super().__init__(daemon=True)
        self.check_id = check_id
        self.stopping = threading.Event()
        self.reports: list[int] = []

    def run(self) -> None:
        from django.db import connection

        from diagnoser.monitoring.models import DriftCheck, DriftReport
        from diagnoser.monitoring.services.drift_reports import drift_report_start

        check = DriftCheck.objects.select_related("service").get(id=self.check_id)
        while not self.stopping.is_set():
            report = drift_report_start(check=check, trigger="manual")
            self.reports.append(report.id)
            while not self.stopping.wait(0.25):
                state = DriftReport.objects.values_list("state", flat=True).get(id=report.id)
                if state in ("done", "failed"):
                    break
        connection.close()


def _seed(endpoints: int, staging: str, prod: str) -> tuple[int, int, int, str]:
    """(service id, endpoint id, drift check id, session cookie) of a logged-in owner."""
    from django.contrib.auth.models import User
    from django.test import Client

    from diagnoser.inventory.models import Endpoint
    from diagnoser.inventory.services import (
        endpoint_create,
        environment_create,
        service_create,
        workspace_create,
    )
    from diagnoser.monitoring.services.drift_checks import drift_check_create
    from diagnoser.specimen.app import SPECIMEN_ENDPOINTS

    owner = User.objects.create_user("load", password=None)
    service = service_create(workspace=workspace_create(name="load", owner=owner), name="api")
    environment_create(service=service, name="staging", base_url=staging)
    environment_create(service=service, name="prod", base_url=prod, probe_policy="full")
    for path, samples in SPECIMEN_ENDPOINTS:
        endpoint_create(service=service, path=path, samples=samples)
    Endpoint.objects.bulk_create(
        Endpoint(service=service, path=f"/bench/e{i}") for i in range(endpoints)
    )
    check = drift_check_create(service=service, name="sweep")
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return (
        service.id,
        Endpoint.objects.get(service=service, path="/items/{id}").id,
        check.id,
        cookie,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds of load")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--endpoints", type=int, default=300, help="besides the specimen's")
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    wrk = _wrk()

    import django
    import redis

    if ENV["DATABASE_URL"].startswith("sqlite:///"):  # the file named, not always SQLITE
        for suffix in ("", "-wal", "-shm"):
            Path(ENV["DATABASE_URL"].removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from diagnoser.monitoring.models import DriftReport, ProbeRun

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as deployed (whitenoise)
    if "sqlite" not in ENV["DATABASE_URL"]:
        call_command("flush", interactive=False, verbosity=0)
    redis.Redis.from_url(REDIS_URL).flushdb()

    processes: list[subprocess.Popen[bytes]] = []
    sweeper = None
    try:
        staging, base_staging = _specimen("staging", args.latency)
        prod, base_prod = _specimen("prod", args.latency)
        processes += [staging, prod]
        service_id, endpoint_id, check_id, cookie = _seed(args.endpoints, base_staging, base_prod)
        processes += [
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "diagnoser", "worker"),
                    *("--pool=threads", "--concurrency=4", "--loglevel=WARNING"),
                    *("--without-mingle", "--without-gossip", f"--hostname=load{i}@%h"),
                ],
                cwd=ROOT,
                env={**ENV, "DATABASE_CONN_MAX_AGE": "600", "DATABASE_CONN_HEALTH_CHECKS": "0"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(2)
        ]
        port = _free_port()
        processes.append(
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "diagnoser.wsgi", "--workers", "2"),
                    *("--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
                ],
                cwd=ROOT,
                env={**ENV, "DATABASE_CONN_MAX_AGE": "60"},
            )
        )
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}{reverse('web:login')}")

        # A first sweep, so the pages show runs; then sweeps run for the whole load.
        sweeper = Sweeper(check_id)
        sweeper.start()
        deadline = time.monotonic() + 300
        while not DriftReport.objects.filter(state="done").exists():
            if time.monotonic() > deadline:
                sys.exit("the first sweep did not finish within 300 s")
            time.sleep(0.5)

        paths = [
            reverse("web:overview"),
            reverse("web:service", args=[service_id]),
            reverse("web:endpoint", args=[service_id, endpoint_id]),
        ]
        for path in paths:  # the cookie logs in: a page, not a redirect to the login
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=30) as answer:
                if answer.status != 200 or answer.url != base + path:
                    sys.exit(f"{path}: the session cookie did not log in ({answer.url})")

        runs_before = ProbeRun.objects.filter(state="done").count()
        reports_before = DriftReport.objects.filter(state="done").count()
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(
                WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths), "cookie": cookie}
            )
            script.flush()
            result = subprocess.run(
                [
                    *(wrk, "-t", "2", "-c", str(args.connections), "-d", f"{args.duration}s"),
                    *("--timeout", "10s", "-s", script.name, base),
                ],
                capture_output=True,
                text=True,
                timeout=args.duration + 60,
                check=True,
            )
        runs_during = ProbeRun.objects.filter(state="done").count() - runs_before
        reports_during = DriftReport.objects.filter(state="done").count() - reports_before
    finally:
        if sweeper is not None:
            sweeper.stopping.set()
            sweeper.join(10)
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        connection.close()

    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    failures = sum(figures[k] for k in ("connect", "read", "write", "timeout"))
    seconds, requests = figures["seconds"], figures["requests"]
    print(f"load                     wrk -t 2 -c {args.connections} for {seconds:.1f} s:")
    print("                         overview, service and endpoint page in turn, logged in")
    print(f"requests served          {requests} ({requests / seconds:.1f}/s)")
    print(
        f"errors                   {figures['non2xx'] + failures} ({figures['non2xx']} not 2xx, "
        f"{failures} socket errors or timeouts)"
    )
    print(
        "latency                  "
        + ", ".join(f"{k} {figures[k] / 1000:.0f} ms" for k in ("p50", "p95", "p99", "max"))
    )
    print(
        f"meanwhile, the workers   finished {runs_during} probe runs and {reports_during} "
        f"sweeps of {(args.endpoints + 11) * 2} targets ({args.latency * 1000:.0f} ms per request)"
    )
    print(f"database                 {ENV['DATABASE_URL'].split(':')[0]}, gunicorn 2 sync workers")


if __name__ == "__main__":
    main()
