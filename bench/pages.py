"""Page benchmark: overview, service and endpoint pages over a large history.

    .venv/bin/python bench/pages.py [--requests 60] [--reseed]
        [--endpoints 200] [--observations 1000000]

Pages: the overview (plain, searched, filtered, its last page), a service and an endpoint.
Data: one workspace with 5 services x 200 endpoints (1,000), 3 environments each, and
1,000,000 stored observations (about 333 per target, six hours apart, so the newest is
what the pages show), each with the findings the analysis really produced for it, and one
done probe run per observation. The observation and finding bodies are copied from real
probes of the specimen API (both environments, every endpoint), so row sizes and the
JSON the pages decode are what production stores.

PostgreSQL only: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/diagnoser_bench_pages
(created when missing; seeded once, kept between runs; --reseed rebuilds it). Rows are
written by INSERT ... SELECT on the server, which takes a few minutes.

Pages are requested through Django's test Client in this process (no network, no
gunicorn), logged in, after 5 warm-up requests, with persistent database connections
(DATABASE_CONN_MAX_AGE=600). Prints p50/p95 per page; for one request, the SQL query
count and time, the HTML size and the three slowest statements. CPU p50 is this process's
CPU time per request: on a shared machine wall time also counts waiting for a core.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# A database of its own: bench/sweep.py seeds and empties diagnoser_bench.
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/diagnoser_bench_pages"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.update(
    DJANGO_SETTINGS_MODULE="diagnoser.settings",
    DIAGNOSER_LOG_LEVEL="WARNING",
    DATABASE_CONN_MAX_AGE="600",
    DIAGNOSER_ALLOW_NETWORKS="127.0.0.0/8",
)

SERVICES = 5
ENDPOINTS_PER_SERVICE = 200
ENVIRONMENTS = ("dev", "staging", "prod")
OBSERVATIONS = 1_000_000
WORKSPACE = "bench"
USER = "bench"
# (observations, matrix, findings) as serialize.py writes them.
Template = tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]
RESOURCES = ["users", "orders", "items", "invoices", "payments", "carts", "products"]
RESOURCES += ["reviews", "sessions", "tokens", "webhooks", "reports", "exports", "imports"]
RESOURCES += ["teams", "projects", "tasks", "comments", "files", "events"]


def _ensure_database(*, reseed: bool) -> None:
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    if url.scheme not in ("postgres", "postgresql"):
        sys.exit("bench/pages.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reseed:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _templates() -> list[Template]:
    """(observations, matrix, findings) JSON of real probes of every specimen endpoint."""
    from diagnoser.analysis.diagnose import diagnose
    from diagnoser.monitoring.engine_config import engine_config
    from diagnoser.monitoring.serialize import (
        finding_to_json,
        matrix_to_json,
        observation_to_json,
    )
    from diagnoser.probing.engine import ProbeEngine
    from diagnoser.probing.model import ProbePolicy, Target
    from diagnoser.probing.urls import fill_path
    from diagnoser.specimen.app import SPECIMEN_ENDPOINTS, SpecimenApp
    from diagnoser.specimen.server import make_specimen_server, serve_in_thread

    templates = []
    engine = ProbeEngine(engine_config())
    for env in ("staging", "prod"):
        server = make_specimen_server(SpecimenApp(env))
        serve_in_thread(server)
        base = f"http://127.0.0.1:{server.server_port}"
        for path, samples in SPECIMEN_ENDPOINTS:
            target = Target(
                url=base + fill_path(path, samples),
                origin="https://app.example",
                policy=ProbePolicy.FULL,
            )
            report = engine.probe(target)
            diagnosis = diagnose(report)
            templates.append(
                (
                    [observation_to_json(o) for o in report.observations],
                    matrix_to_json(diagnosis.matrix),
                    [finding_to_json(f) for f in diagnosis.findings],
                )
            )
        server.shutdown()
        server.server_close()
    engine.close()
    return templates


def _inventory(endpoints_per_service: int) -> None:
    from django.contrib.auth.models import User

    from diagnoser.inventory.models import Endpoint, Environment, Membership, Service, Workspace

    user = User.objects.create_user(USER, password="bench")
    workspace = Workspace.objects.create(name=WORKSPACE)
    Membership.objects.create(user=user, workspace=workspace, role=Membership.Role.OWNER)
    for s in range(SERVICES):
        service = Service.objects.create(workspace=workspace, name=f"api-{s:02d}")
        Environment.objects.bulk_create(
            Environment(
                service=service,
                name=env,
                base_url=f"https://{env}.api-{s:02d}.example.com",
                is_production=env == "prod",
                probe_policy="safe" if env == "prod" else "full",
                position=i,
            )
            for i, env in enumerate(ENVIRONMENTS)
        )
        Endpoint.objects.bulk_create(
            Endpoint(
                service=service,
                path=f"/v{1 + e % 2}/{RESOURCES[e % len(RESOURCES)]}"
                + ("/{id}" if e % 3 else "")
                + f"/{e // len(RESOURCES):02d}",
                samples={"id": "0"} if e % 3 else {},
            )
            for e in range(endpoints_per_service)
        )


def _history(templates: list[Template], observations: int) -> None:
    """Observations, findings, runs and each target's latest run, written by the server
    from template rows."""
    from django.db import connection

    from diagnoser.monitoring.serialize import verdicts_to_text

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_template (k int, observations jsonb, matrix jsonb, "
            "verdicts text, worst_severity text, worst_rule text, worst_title text)"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_finding (k int, rule text, severity text, title text, "
            "explanation text, evidence jsonb, fix jsonb, reproduce jsonb)"
        )
        cursor.executemany(
            "INSERT INTO bench_template VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (k, json.dumps(o), json.dumps(m), verdicts_to_text(m), *_worst(f))
                for k, (o, m, f) in enumerate(templates)
            ],
        )
        cursor.executemany(
            "INSERT INTO bench_finding VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (k, f["rule"], f["severity"], f["title"], f["explanation"], *_json(f))
                for k, (_, _, findings) in enumerate(templates)
                for f in findings
            ],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_target AS "
            "SELECT (row_number() OVER (ORDER BY e.id, v.id) - 1)::int AS idx, "
            "e.id AS endpoint_id, v.id AS environment_id, v.base_url || e.path AS url "
            "FROM inventory_endpoint e JOIN inventory_environment v ON v.service_id = e.service_id"
        )
        cursor.execute("SELECT count(*) FROM bench_target")
        targets = cursor.fetchone()[0]
        per_target = -(-observations // targets)
        # The template index rides in the first two hex digits of content_hash, so the
        # findings can be joined back to the observations they belong to.
        _timed(
            cursor,
            "observations",
            "INSERT INTO monitoring_storedobservation (endpoint_id, environment_id, "
            "content_hash, observations, matrix, url, policy, notes, created_at) "
            "SELECT t.endpoint_id, t.environment_id, "
            "lpad(to_hex(tpl.k), 2, '0') || substr(md5(t.idx || ':' || n) || md5(n::text), 3), "
            "tpl.observations, tpl.matrix, t.url, 'full', '[]'::jsonb, "
            "now() - n * interval '6 hours' + t.idx * interval '1 second' "
            "FROM bench_target t CROSS JOIN generate_series(1, %s) AS n "
            "JOIN bench_template tpl ON tpl.k = (t.idx + n) %% %s "
            "WHERE (n - 1) * %s + t.idx < %s",
            [per_target, len(templates), targets, observations],
        )
        _timed(
            cursor,
            "findings",
            "INSERT INTO monitoring_storedfinding (observation_id, rule, severity, title, "
            "explanation, evidence, fix, reproduce) "
            "SELECT o.id, f.rule, f.severity, f.title, f.explanation, f.evidence, f.fix, "
            "f.reproduce FROM monitoring_storedobservation o "
            "JOIN bench_finding f ON f.k = ('x' || substr(o.content_hash, 1, 2))::bit(8)::int",
        )
        _timed(
            cursor,
            "runs",
            "INSERT INTO monitoring_proberun (endpoint_id, environment_id, trigger, state, "
            "failure_reason, observation_id, changed, queued_at, started_at, finished_at, "
            "claimed_by, attempt, published_at) "
            "SELECT endpoint_id, environment_id, 'schedule', 'done', '', id, true, "
            "created_at, created_at, created_at + interval '1 second', 'bench', 1, created_at "
            "FROM monitoring_storedobservation",
        )
        _timed(
            cursor,
            "latest runs",
            "INSERT INTO monitoring_latestrun (endpoint_id, environment_id, run_id, finished_at, "
            "observation_id, verdicts, worst_severity, worst_rule, worst_title) "
            "SELECT DISTINCT ON (r.endpoint_id, r.environment_id) r.endpoint_id, "
            "r.environment_id, r.id, r.finished_at, r.observation_id, tpl.verdicts, "
            "tpl.worst_severity, tpl.worst_rule, tpl.worst_title "
            "FROM monitoring_proberun r "
            "JOIN monitoring_storedobservation o ON o.id = r.observation_id "
            "JOIN bench_template tpl ON tpl.k = ('x' || substr(o.content_hash, 1, 2))::bit(8)::int "
            "ORDER BY r.endpoint_id, r.environment_id, r.finished_at DESC",
        )
        _timed(cursor, "vacuum analyze", "VACUUM ANALYZE")


def _worst(findings: list[dict[str, Any]]) -> tuple[str, str, str]:
    """(severity, rule, title) of the most severe finding, as LatestRun keeps it."""
    rank = {"error": 0, "warning": 1, "info": 2}
    worst = min(findings, key=lambda f: rank[f["severity"]], default=None)
    return (worst["severity"], worst["rule"], worst["title"]) if worst else ("", "", "")


def _json(finding: dict[str, Any]) -> tuple[str, str, str]:
    evidence, fix, reproduce = (json.dumps(finding[k]) for k in ("evidence", "fix", "reproduce"))
    return evidence, fix, reproduce


def _timed(cursor, label: str, sql: str, params: list | None = None) -> None:
    started = time.perf_counter()
    cursor.execute(sql, params)
    rows = f"{cursor.rowcount:,} rows, " if cursor.rowcount > 0 else ""
    print(f"  {label}: {rows}{time.perf_counter() - started:.0f} s", flush=True)


def _seed(*, reseed: bool, endpoints_per_service: int, observations: int) -> None:
    from django.core.management import call_command

    from diagnoser.inventory.models import Workspace

    call_command("migrate", verbosity=0)
    if Workspace.objects.filter(name=WORKSPACE).exists():
        print("using the seeded database (--reseed rebuilds it)")
        return
    print("seeding (once; a few minutes):", flush=True)
    templates = _templates()
    _inventory(endpoints_per_service)
    _history(templates, observations)


class Measured(NamedTuple):
    timings: list[float]  # ms per request
    cpu: list[float]  # ms of this process's CPU per request (no waiting for a core)
    queries: list[dict[str, str]]  # of one request, as Django captures them
    size: int  # bytes of HTML


def _measure(client, path: str, requests: int) -> Measured | None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        if client.get(path).status_code != 200:
            return None
    timings, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(path)
    return Measured(timings, cpu, list(captured.captured_queries), len(answer.content))


def _report(label: str, path: str, measured: Measured | None) -> None:
    if measured is None:
        print(f"{label:<10} {path}: no 200 answer (page not built yet?)")
        return
    p50 = statistics.median(measured.timings)
    p95 = statistics.quantiles(measured.timings, n=20)[-1]
    sql = sum(float(q["time"]) for q in measured.queries) * 1000
    cpu = statistics.median(measured.cpu)
    print(
        f"{label:<10} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  CPU p50 {cpu:5.1f} ms  "
        f"{len(measured.queries):2d} queries ({sql:.0f} ms)  {measured.size / 1024:.0f} KiB  {path}"
    )
    for query in sorted(measured.queries, key=lambda q: float(q["time"]), reverse=True)[:3]:
        print(f"    {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--reseed", action="store_true")
    # Smaller sizes are for the smoke run in the test command (tests/test_bench_smoke.py).
    parser.add_argument("--endpoints", type=int, default=ENDPOINTS_PER_SERVICE, help="per service")
    parser.add_argument("--observations", type=int, default=OBSERVATIONS)
    args = parser.parse_args()
    _ensure_database(reseed=args.reseed)

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client

    from diagnoser.inventory.models import Endpoint, Service
    from diagnoser.monitoring.models import StoredObservation

    _seed(reseed=args.reseed, endpoints_per_service=args.endpoints, observations=args.observations)
    service = Service.objects.filter(workspace__name=WORKSPACE).order_by("name").first()
    assert service is not None
    endpoint = Endpoint.objects.filter(service=service).order_by("path")[1]
    observations = StoredObservation.objects.count()
    print(
        f"{Endpoint.objects.count():,} endpoints, {observations:,} observations; "
        f"service {service.name} has {service.endpoints.count()} endpoints; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    # As diagnoser/wsgi.py does after start-up: the collector skips what lives forever.
    gc.collect()
    gc.freeze()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=USER))
    pages = {
        "overview": "/",
        # Searched, filtered and sorted in SQL; the last page (its tail) reads as much.
        "searched": "/?q=orders&sort=service",
        "filtered": "/?env=prod&severity=warning&drifting=1&sort=probed",
        "last page": "/?sort=probed&page=999",
        "service": f"/services/{service.id}/",
        "endpoint": f"/services/{service.id}/endpoints/{endpoint.id}/",
    }
    for label, path in pages.items():
        _report(label, path, _measure(client, path, args.requests))


if __name__ == "__main__":
    main()
