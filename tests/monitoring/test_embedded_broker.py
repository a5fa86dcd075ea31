"""The first run needs nothing but Python: worker and command over the filesystem broker."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from diagnoser.inventory import crypto
from tests.factories import secret_specimen_service
from tests.monitoring.fixtures import database_url
from tests.monitoring.test_reliability import ROOT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_drift_check_runs_through_a_worker_on_the_filesystem_broker(specimens, tmp_path):
    secret_specimen_service(specimens, paths={"/items/{id}"})
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(
        DATABASE_URL=database_url(),
        DIAGNOSER_VAR_DIR=str(tmp_path),
        DIAGNOSER_ALLOW_NETWORKS="127.0.0.0/8",
        DIAGNOSER_FIELD_KEYS=_current_key(),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "diagnoser", "worker", "--pool=threads", "-c", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "drift_check", "specimen", "--json", "--timeout", "60"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
    finally:
        worker.terminate()
        worker.wait(15)

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["drift_present"] is True
    assert (tmp_path / "broker" / "queue").is_dir()


def _current_key() -> str:
    """The keys this process encrypts with, for a worker whose var/ is elsewhere."""
    crypto.fernet()  # makes sure the local key file exists
    if settings.DIAGNOSER_FIELD_KEYS:
        return ",".join(settings.DIAGNOSER_FIELD_KEYS)
    return settings.DIAGNOSER_FIELD_KEY_FILE.read_text().strip()
