"""Real processes for fault tests: Celery workers and beats as subprocesses, each test with
a redis-server of its own (so killing or restarting it touches nobody else), and the
test database (SQLite file or PostgreSQL) shared with them.

Short clocks make faults heal in seconds: runs are stale after 3 s, a queued run's lost
message is published again after 3 s, and beat runs the sweeper every second.
"""

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from diagnoser.inventory.models import Service
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun
from diagnoser.monitoring.services.drift_checks import drift_check_create, drift_check_update
from diagnoser.monitoring.services.drift_schedules import drift_check_schedule_sync
from tests.factories import secret_specimen_service
from tests.monitoring.fixtures import database_url, wait_for
from tests.servers.fixtures import free_port

ROOT = Path(__file__).resolve().parents[2]
PENDING = [ProbeRun.State.QUEUED, ProbeRun.State.RUNNING]


class PrivateRedis:
    """A redis-server on a free port, without persistence: a restart loses every message."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.binary, self.directory = binary, directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.up, timeout=10, what="redis-server to start")

    def up(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def messages(self, queue: str) -> int:
        return int(redis.Redis.from_url(self.url).llen(queue))


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    yield server
    server.kill()


@dataclass
class Cluster:
    """Workers and beats of one test; every process is stopped at the end of the test."""

    env: dict[str, str]
    logs: Path
    queue: str

    def __post_init__(self) -> None:
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "diagnoser", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes[name] = process
        return process

    def worker(self, name: str, *, threads: int = 4) -> subprocess.Popen[bytes]:
        return self._start(
            name,
            *("worker", "--pool=threads", f"--concurrency={threads}", "--loglevel=INFO"),
            *("--without-mingle", "--without-gossip", f"--hostname={name}@%h"),
        )

    def beat(self, name: str) -> subprocess.Popen[bytes]:
        return self._start(name, "beat", "--loglevel=INFO", "--max-interval=1")

    def hostname(self, name: str) -> str:
        return f"{name}@{socket.gethostname()}"

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self, name: str) -> None:
        """Warm shutdown: a worker finishes its tasks, a beat saves its schedule."""
        process = self.processes[name]
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def stop_all(self) -> None:
        for name in self.processes:
            self.stop(name)


@pytest.fixture
def cluster(transactional_db, private_redis: PrivateRedis, tmp_path: Path) -> Iterator[Cluster]:
    queue = f"diagnoser-faults-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": private_redis.url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DIAGNOSER_ALLOW_NETWORKS": "127.0.0.0/8",
        "DIAGNOSER_RUN_STALE_AFTER": "3",
        "DIAGNOSER_RUN_REPUBLISH_AFTER": "3",
        "DIAGNOSER_SWEEP_EVERY": "1",
        # As deployed (docker-compose.yml): kept connections, no per-task health check,
        # so a restarted PostgreSQL is met by the tasks' own reconnect-and-retry.
        "DATABASE_CONN_MAX_AGE": "600",
        "DATABASE_CONN_HEALTH_CHECKS": "0",
        "DIAGNOSER_LOG_LEVEL": "INFO",
    }
    group = Cluster(env=env, logs=tmp_path, queue=queue)
    yield group
    group.stop_all()


def scheduled_check(specimens, *, every: int, endpoints: int) -> DriftCheck:
    """The specimen API's first `endpoints` paths in staging and prod, checked by beat every
    `every` seconds (below the 10 s users may pick: a test has no time to wait)."""
    from diagnoser.specimen.app import SPECIMEN_ENDPOINTS

    paths = {path for path, _ in SPECIMEN_ENDPOINTS[:endpoints]}
    service: Service = secret_specimen_service(specimens, paths=paths)
    check = drift_check_create(service=service, name="faults")
    check.every_seconds = every
    check.save(update_fields=["every_seconds"])
    drift_check_schedule_sync(check=check)
    return check


def two_workers_sweeping(
    specimens, cluster: Cluster, *, latency: float, every: int, threads: int = 4
) -> DriftCheck:
    """scheduled_check of 4 endpoints (8 targets a slot) whose answers take `latency`
    seconds, so a fault can land mid-sweep; workers faults-a and faults-b and one beat."""
    for app in specimens.apps.values():
        app.latency = latency
    check = scheduled_check(specimens, every=every, endpoints=4)
    cluster.worker("faults-a", threads=threads)
    cluster.worker("faults-b", threads=threads)
    cluster.beat("beat")
    return check


def report_count(check: DriftCheck) -> int:
    return DriftReport.objects.filter(drift_check=check).count()


def settled_reports(check: DriftCheck, *, at_least: int, targets: int) -> list[DriftReport]:
    """Once `at_least` reports are scheduled, stop scheduling, wait for all to settle, and
    check every slot reported once (assert_every_slot_once)."""
    wait_for_reports(check, at_least)
    stop_scheduling(check)
    wait_until_settled(check)
    return assert_every_slot_once(check, targets=targets)


def reports_of(check: DriftCheck) -> list[DriftReport]:
    return list(DriftReport.objects.filter(drift_check=check).order_by("scheduled_for", "id"))


def wait_for_reports(check: DriftCheck, count: int, *, timeout: float = 60) -> None:
    wait_for(
        lambda: DriftReport.objects.filter(drift_check=check).count() >= count,
        timeout=timeout,
        what=f"{count} scheduled reports",
    )


def stop_scheduling(check: DriftCheck) -> None:
    """Turn the check off and let beat keep running: its sweeper is what heals a fault.
    (Stopping beat instead can interrupt it between committing a slot's runs and
    publishing them, leaving them for a sweeper that no longer runs.)"""
    drift_check_update(check=check, enabled=False)


def wait_until_settled(check: DriftCheck, *, timeout: float = 60) -> None:
    """Every report finished (done or failed) and no run left queued or running."""

    def settled() -> bool:
        open_reports = DriftReport.objects.filter(
            drift_check=check,
            state__in=[DriftReport.State.RUNNING, DriftReport.State.FINISHING],
        )
        return not open_reports.exists() and not ProbeRun.objects.filter(state__in=PENDING).exists()

    wait_for(settled, timeout=timeout, what="every report to finish and no run pending")


def assert_every_slot_once(check: DriftCheck, *, targets: int) -> list[DriftReport]:
    """The count the issue asks for: one done report per schedule slot with no slot missing
    between the first and the last, each with one done run per target, nothing pending."""
    reports = reports_of(check)
    slots = [report.scheduled_for for report in reports if report.scheduled_for]
    assert reports, "beat scheduled nothing"
    assert len(slots) == len(reports), "a scheduled report without its slot"
    assert len(set(slots)) == len(slots), f"a slot reported twice: {slots}"
    gaps = {b - a for a, b in itertools.pairwise(slots)}
    assert gaps <= {timedelta(seconds=check.every_seconds or 0)}, f"a slot lost: {slots}"
    assert [r.state for r in reports] == ["done"] * len(reports), [
        (r.scheduled_for, r.state, r.failure_reason) for r in reports
    ]
    for report in reports:
        runs = list(report.runs.values_list("endpoint_id", "environment_id", "state"))
        assert len(runs) == targets, f"report {report.id} has {len(runs)} runs"
        assert len({(e, v) for e, v, _ in runs}) == targets, f"report {report.id}: a run twice"
        assert {state for _, _, state in runs} == {"done"}, (report.id, report.failures)
        assert report.failures == []
    assert not ProbeRun.objects.filter(state__in=PENDING).exists()
    return reports
