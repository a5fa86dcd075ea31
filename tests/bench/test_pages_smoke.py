"""bench/pages.py seeds and measures at a tiny size, so it cannot rot unnoticed again
(its seeding once failed on a column a later migration added). No timing is asserted."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER = "postgres://postgres@127.0.0.1:5432"
TINY = ["--endpoints", "2", "--observations", "60", "--requests", "2"]


@pytest.fixture
def bench_database():
    """A database of this run's own (bench/pages.py creates it), dropped afterwards."""
    name = f"diagnoser_bench_pages_smoke_{os.getpid()}"
    try:
        admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"bench/pages.py needs PostgreSQL at {SERVER}: {error}")
    try:
        yield f"{SERVER}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.slow
def test_the_pages_benchmark_seeds_and_measures_every_page_at_a_tiny_size(bench_database):
    env = {**os.environ, "DATABASE_URL": bench_database}
    done = subprocess.run(
        [sys.executable, "bench/pages.py", "--reseed", *TINY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert "10 endpoints, 60 observations" in done.stdout
    for page in ("overview", "searched", "filtered", "last page", "service", "endpoint"):
        assert f"\n{page:<10} p50 " in done.stdout, done.stdout
