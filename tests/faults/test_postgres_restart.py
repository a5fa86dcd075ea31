"""PostgreSQL restarted while scheduled runs are being probed: every connection of the
workers, beat and this test dies; the tasks reconnect and retry, and every slot still
ends with one complete report.

This restarts the machine's PostgreSQL server (every database on it), so it is the one
test that does, and it waits until the server accepts connections again.
"""

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from diagnoser.monitoring.models import ProbeRun
from tests.faults.conftest import report_count, settled_reports, two_workers_sweeping
from tests.monitoring.fixtures import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EVERY = 4
CLUSTERS = Path("/etc/postgresql")


def _restart_postgresql() -> None:
    (version,) = [p.name for p in CLUSTERS.iterdir()]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _accepts_connections() -> bool:
    params = connection.settings_dict
    try:
        psycopg.connect(
            host=params["HOST"] or "127.0.0.1",
            port=params["PORT"] or 5432,
            user=params["USER"],
            password=params["PASSWORD"] or None,
            dbname=params["NAME"],
            connect_timeout=2,
        ).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.fixture
def restartable_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("restarting the database server needs PostgreSQL (set DATABASE_URL)")
    if shutil.which("pg_ctlcluster") is None or os.geteuid() != 0 or not CLUSTERS.is_dir():
        pytest.skip("restarting PostgreSQL needs root and Debian's pg_ctlcluster")


@pytest.mark.usefixtures("restartable_postgresql")
def test_tasks_reconnect_after_postgresql_restarts_and_every_slot_reports_once(specimens, cluster):
    # Answers take 0.5 s: runs are still probing when the server goes away.
    check = two_workers_sweeping(specimens, cluster, latency=0.5, every=EVERY, threads=2)

    probing = wait_for(
        lambda: list(ProbeRun.objects.filter(state="running").values_list("id", flat=True)),
        timeout=60,
        what="runs being probed",
    )
    _restart_postgresql()
    wait_for(_accepts_connections, timeout=60, what="PostgreSQL to accept connections")
    connection.close()  # this test's connection died with the server

    settled_reports(check, at_least=report_count(check) + 2, targets=8)
    assert set(ProbeRun.objects.filter(id__in=probing).values_list("state", flat=True)) == {"done"}
    logs = cluster.log("faults-a") + cluster.log("faults-b")
    assert "database unavailable" in logs  # the tasks' reconnect-and-retry was needed
