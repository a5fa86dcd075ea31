"""Every script in bench/ runs at a tiny size in the test command, so none can rot
unnoticed (bench/pages.py has its own file, bench/ci_gate.py is in tests/cli). Each test
asserts only that the script ran to its end and printed its figures, never on timing.

The scripts that start workers get a scratch SQLite file of the test's own (never the
test database: sweep and load flush theirs) and the subprocess Redis database (they
flush it; tests in a session run one after another, so nothing else is queued there).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.monitoring.fixtures import SUBPROCESS_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def run_bench(*args: str, env: dict[str, str] | None = None, timeout: float = 90) -> str:
    """Run `python -m bench.NAME ARGS` from the repository; its stdout, once it exited 0."""
    done = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{args[0]} exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done.stdout


def printed(stdout: str, *figures: str) -> None:
    missing = [figure for figure in figures if figure not in stdout]
    assert not missing, f"figures not printed: {missing}\n{stdout[-3000:]}"


def scratch(tmp_path: Path) -> dict[str, str]:
    """A database and a Redis of the run's own for a script that starts workers."""
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        "BENCH_REDIS_URL": SUBPROCESS_REDIS_URL,
        "BENCH_LOAD_REDIS_URL": SUBPROCESS_REDIS_URL,
        "SOAK_REDIS_URL": SUBPROCESS_REDIS_URL,
    }


def test_the_scrub_benchmark_times_every_text_for_one_and_four_secrets() -> None:
    stdout = run_bench("bench.scrub", "--repeat", "3")

    printed(stdout, "1 secret: ", "4 secrets: ", "plain excerpt", "json excerpt", "header value")


def test_the_probe_benchmark_measures_throughput_on_nginx_and_latency() -> None:
    stdout = run_bench("bench.probe", "--targets", "3", "--rounds", "2", "--delay-ms", "5")

    printed(
        stdout,
        "nginx, 3 targets, 39 probe requests",
        "probe requests/s",
        "failed probes",
        "peak RSS",
        "wall / slowest probe",
        "speed-up vs one by one",
    )


def test_the_accuracy_benchmark_scores_two_stacks_under_every_combination() -> None:
    stdout = run_bench("bench.accuracy", "--stack", "stdlib", "--stack", "flask")

    printed(stdout, "5 URLs on 2 stacks", "probes with no answer, per row: ")
    for origin in ("no", "yes"):
        for policy in ("full", "safe"):
            printed(
                stdout,
                f"| {origin} | {policy} | ",
                f"origin {'declared' if origin == 'yes' else 'not declared'}, {policy} policy",
            )


def test_the_sweep_benchmark_sweeps_twice_and_counts_what_the_second_added(
    redis_server: str, tmp_path: Path
) -> None:
    stdout = run_bench(
        *("bench.sweep", "--endpoints", "3", "--environments", "2", "--latency", "0.005"),
        *("--workers", "1", "--threads", "2"),
        env=scratch(tmp_path),
    )

    printed(
        stdout,
        "targets                  6 (3 endpoints x 2 environments)",
        "requests per sweep       78 (13.0 per target)",  # the full policy
        "floor ",
        "first sweep ",
        "second sweep ",
        "second sweep added ",
        "worker peak RSS ",
    )


def test_the_load_benchmark_serves_pages_under_wrk_while_workers_sweep(
    redis_server: str, tmp_path: Path
) -> None:
    stdout = run_bench(
        *("bench.load", "--duration", "1", "--connections", "2", "--endpoints", "2"),
        *("--latency", "0.005"),
        env=scratch(tmp_path),
    )

    printed(stdout, "requests served ", "errors ", "latency ", "p95 ", "meanwhile, the workers ")


def test_the_soak_samples_and_compares_first_middle_and_last_windows(
    redis_server: str, tmp_path: Path
) -> None:
    stdout = run_bench(
        *("bench.soak", "--minutes", "0.05", "--sample-every", "0.5", "--window", "1"),
        *("--gets", "2"),
        # Warm shutdown lets the workers finish their probes of trickling targets: a short
        # deadline keeps that short.
        env={**scratch(tmp_path), "DIAGNOSER_PROBE_DEADLINE": "2"},
    )

    printed(
        stdout,
        " reports ",
        " stuck  workers ",
        "| | first 1 s | middle 1 s | last 1 s |",
        "| workers RSS, MB (sum of 2) |",
        "| DB growth per report, KB |",
        "| endpoint page p50 / p95, ms |",
        "verdict: ",
    )
