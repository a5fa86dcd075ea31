"""Sweep benchmark: 1,000 endpoints x 3 environments through real Redis and 2 workers.

    .venv/bin/python bench/sweep.py [--endpoints 1000] [--latency 0.05] [--workers 2]

A local specimen server adds --latency to every request. The sweep is one drift check
over every target (the path a schedule takes), run twice: the second sweep sees nothing
new, so it must add no observation rows. Prints wall time, probes/s, the ratio to the
floor (requests x latency / allowed concurrency, where allowed concurrency is workers x
DIAGNOSER_PER_HOST_CONCURRENCY against the one host), rows and bytes the second sweep
added, and each worker's peak RSS. Uses its own database (var/bench/, or DATABASE_URL)
and Redis db 12 (flushed).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diagnoser.monitoring.models import DriftCheck, DriftReport

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
PER_HOST = 16

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "diagnoser.settings",
    "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"),
    "CELERY_BROKER_URL": REDIS_URL,
    "DIAGNOSER_ALLOW_NETWORKS": "127.0.0.0/8",
    "DIAGNOSER_PER_HOST_CONCURRENCY": str(PER_HOST),
    "DIAGNOSER_LOG_LEVEL": "WARNING",
    # Workers keep their database connection between tasks, untested before each task
    # (as docker-compose.yml runs them).
    "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "600"),
    "DATABASE_CONN_HEALTH_CHECKS": os.environ.get("DATABASE_CONN_HEALTH_CHECKS", "0"),
}
os.environ.update(ENV)


def _peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _tree_peak_rss_mb(pid: int) -> float:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return _peak_rss_mb(pid) + sum(_tree_peak_rss_mb(int(c)) for c in children)


def _database_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return int(pages * cursor.fetchone()[0])
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def _counts() -> dict[str, int]:
    from diagnoser.monitoring.models import DriftReport, ProbeRun, StoredFinding, StoredObservation

    return {
        "runs": ProbeRun.objects.count(),
        "observations": StoredObservation.objects.count(),
        "findings": StoredFinding.objects.count(),
        "reports": DriftReport.objects.count(),
    }


def _sweep(check: DriftCheck) -> tuple[float, float, DriftReport]:
    """(seconds until every probe run finished, until the report was done, report)."""
    from diagnoser.monitoring.models import DriftReport, ProbeRun
    from diagnoser.monitoring.services.drift_reports import drift_report_start

    started = time.monotonic()
    report = drift_report_start(check=check, trigger="manual")
    probes_done = 0.0
    while True:
        report.refresh_from_db()
        if (
            not probes_done
            and not report.runs.filter(
                state__in=[ProbeRun.State.QUEUED, ProbeRun.State.RUNNING]
            ).exists()
        ):
            probes_done = time.monotonic() - started
        if report.state in (DriftReport.State.DONE, DriftReport.State.FAILED):
            return probes_done, time.monotonic() - started, report
        time.sleep(0.25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--environments", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="task threads per worker")
    parser.add_argument(
        "--server",
        choices=["specimen", "keepalive"],
        default="specimen",
        help="specimen: the demo API on wsgiref (HTTP/1.0, a connection per request); "
        "keepalive: bench/latency_server.py (HTTP/1.1, pooled connections)",
    )
    args = parser.parse_args()

    import django
    import redis

    if ENV["DATABASE_URL"].startswith("sqlite:///"):  # the file named, not always var/bench's
        for suffix in ("", "-wal", "-shm"):
            Path(ENV["DATABASE_URL"].removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    django.setup()
    from django.core.management import call_command

    from diagnoser.inventory.models import Endpoint
    from diagnoser.inventory.services import environment_create, service_create, workspace_create
    from diagnoser.monitoring.models import ProbeRun
    from diagnoser.monitoring.services.drift_checks import drift_check_create

    call_command("migrate", verbosity=0)
    if "sqlite" not in ENV["DATABASE_URL"]:
        call_command("flush", interactive=False, verbosity=0)
    redis.Redis.from_url(REDIS_URL).flushdb()

    if args.server == "specimen":
        server = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_specimen",
                "--port",
                "0",
                "--latency",
                str(args.latency),
            ],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.PIPE,
        )
        assert server.stdout is not None
        base = server.stdout.readline().decode().split(" on ")[1].strip().rstrip("/")
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.latency_server", str(port), str(args.latency * 1000)],
            cwd=ROOT,
            env=ENV,
        )
        base = f"http://127.0.0.1:{port}"
        time.sleep(1)

    service = service_create(workspace=workspace_create(name="bench"), name="bench")
    for n in range(args.environments):
        environment_create(
            service=service, name=f"env{n}", base_url=f"{base}/bench", probe_policy="full"
        )
    Endpoint.objects.bulk_create(
        Endpoint(service=service, path=f"/e{i}") for i in range(args.endpoints)
    )
    check = drift_check_create(service=service, name="sweep")

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "diagnoser",
                "worker",
                "--pool=threads",
                f"--concurrency={args.threads}",
                "--loglevel=WARNING",
                "--without-mingle",
                "--without-gossip",
                f"--hostname=bench{i}@%h",
            ],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(args.workers)
    ]
    try:
        time.sleep(3)  # workers connect
        targets = args.endpoints * args.environments
        probes_1, total_1, report_1 = _sweep(check)
        requests = sum(
            len(observations)
            for observations in ProbeRun.objects.filter(
                drift_reports=report_1, observation__isnull=False
            ).values_list("observation__observations", flat=True)
        )
        failed = ProbeRun.objects.filter(drift_reports=report_1, state="failed").count()
        before, bytes_before = _counts(), _database_bytes()
        probes_2, total_2, _ = _sweep(check)
        after, bytes_after = _counts(), _database_bytes()
        rss = [_tree_peak_rss_mb(w.pid) for w in workers]
    finally:
        for process in [*workers, server]:
            process.terminate()
        for process in [*workers, server]:
            process.wait(30)

    concurrency = args.workers * PER_HOST
    floor = requests * args.latency / concurrency
    print(
        f"targets                  {targets} ({args.endpoints} endpoints x "
        f"{args.environments} environments), {failed} failed"
    )
    print(f"requests per sweep       {requests} ({requests / targets:.1f} per target)")
    print(
        f"floor                    {floor:.1f} s = {requests} x {args.latency * 1000:.0f} ms"
        f" / {concurrency} ({args.workers} workers x {PER_HOST} per host)"
    )
    for label, probes, total in (("first", probes_1, total_1), ("second", probes_2, total_2)):
        print(
            f"{label} sweep             probes {probes:.1f} s ({requests / probes:.0f}"
            f" probes/s, {probes / floor:.2f}x floor); report done {total:.1f} s"
        )
    added = {k: after[k] - before[k] for k in after}
    print(f"second sweep added       {added} rows, {bytes_after - bytes_before:,} bytes")
    print(f"worker peak RSS          {', '.join(f'{r:.0f} MB' for r in rss)}")
    print(f"database, server         {ENV['DATABASE_URL'].split(':')[0]}, {args.server}")


if __name__ == "__main__":
    main()
