"""A killed worker, a broker that is down: nothing is lost and nothing stays stuck."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.core.management import CommandError, call_command
from django.utils import timezone

from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.monitoring.models import DriftReport, ProbeRun
from diagnoser.monitoring.queue import BrokerUnavailable, publish
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.monitoring.services.recovery import runs_recover_stale
from diagnoser.monitoring.services.runs import PROBE_TASK, run_request
from tests.factories import running_run, secret_specimen_service
from tests.monitoring.fixtures import (
    QUEUE,
    SUBPROCESS_REDIS_URL,
    broker_at,
    broker_down,
    database_url,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def subprocess_worker(redis_server):
    """Start `celery worker` processes against a Redis db of their own."""
    redis.Redis.from_url(SUBPROCESS_REDIS_URL).delete(QUEUE)
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": SUBPROCESS_REDIS_URL,
            "DIAGNOSER_ALLOW_NETWORKS": "127.0.0.0/8",
            "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        }
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "diagnoser", "worker", "--pool=solo"),
                *("--loglevel=WARNING", "--without-mingle", "--without-gossip"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


@pytest.fixture
def producer():
    """Publishes to the subprocess workers' broker."""
    app = Celery("producer", broker=SUBPROCESS_REDIS_URL, set_as_current=False)
    app.conf.task_default_queue = QUEUE
    yield app
    app.close()


@pytest.mark.slow
@pytest.mark.usefixtures("loopback_allowed")
def test_a_run_whose_worker_is_killed_is_retried_by_the_sweeper(
    specimens, subprocess_worker, producer
):
    specimens.apps["staging"].latency = 30  # the probe hangs until the worker dies
    service = secret_specimen_service(specimens, paths={"/items"})
    run = ProbeRun.objects.create(
        endpoint=service.endpoints.get(),
        environment=service.environments.get(name="staging"),
        trigger="manual",
    )
    worker = subprocess_worker()
    publish(PROBE_TASK, run.id, app=producer)
    wait_for(
        lambda: ProbeRun.objects.get(id=run.id).state == "running",
        timeout=60,
        what="the worker to claim the run",
    )

    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    specimens.apps["staging"].latency = 0
    assert ProbeRun.objects.get(id=run.id).state == "running"

    with broker_at(SUBPROCESS_REDIS_URL):
        requeued, failed = runs_recover_stale(older_than=timedelta(0))
    subprocess_worker()
    done = wait_for(
        lambda: ProbeRun.objects.filter(id=run.id, state="done").first(),
        timeout=60,
        what="the retried run",
    )

    assert (requeued, failed) == ([run.id], [])
    assert done.attempt == 2
    assert "worker lost" in done.failure_reason


def test_a_run_out_of_attempts_is_failed_with_the_reason(settings):
    settings.DIAGNOSER_RUN_MAX_ATTEMPTS = 2
    run = _running_run(attempt=2)

    requeued, failed = runs_recover_stale(older_than=timedelta(0))

    run.refresh_from_db()
    assert (requeued, failed) == ([], [run.id])
    assert run.state == "failed"
    assert "worker lost" in run.failure_reason
    assert "gave up after 2 attempts" in run.failure_reason


def test_a_fresh_running_run_is_left_alone_by_the_sweeper():
    run = _running_run(attempt=1)
    assert runs_recover_stale() == ([], [])
    run.refresh_from_db()
    assert run.state == "running"


def _running_run(*, attempt: int) -> ProbeRun:
    return running_run(
        attempt=attempt,
        claimed_by="celery@gone:task-1",
        started_at=timezone.now() - timedelta(seconds=1),
    )


def test_redis_down_gives_a_clear_error_and_keeps_the_registration(specimens):
    service = secret_specimen_service(specimens, paths={"/items"})
    endpoint, environment = service.endpoints.get(), service.environments.get(name="prod")

    with broker_down(), pytest.raises(BrokerUnavailable) as caught:
        run_request(endpoint=endpoint, environment=environment)

    message = str(caught.value)
    assert "broker unavailable at redis://127.0.0.1:9/0" in message
    assert "CELERY_BROKER_URL" in message
    assert Endpoint.objects.filter(id=endpoint.id).exists()
    assert Environment.objects.filter(id=environment.id).exists()
    run = ProbeRun.objects.get(endpoint=endpoint)
    assert run.state == "failed"
    assert run.failure_reason.startswith("broker unavailable:")


def test_drift_check_command_says_what_to_do_when_redis_is_down(specimens):
    service = secret_specimen_service(specimens, paths={"/items"})
    drift_check_create(service=service, name="ci")

    with broker_down(), pytest.raises(CommandError) as caught:
        call_command("drift_check", "specimen")

    assert caught.value.returncode == 2
    assert "Start Redis" in str(caught.value)
    report = DriftReport.objects.get()
    assert report.state == "failed"
    assert report.failure_reason.startswith("broker unavailable:")
