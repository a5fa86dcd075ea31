"""CI gate benchmark: prints figures, asserts nothing.

    .venv/bin/python -m bench.ci_gate [--targets 500] [--delay-ms 50] [--per-host 16]

`manage.py diagnose URL x N --format junit` as CI runs it (a process of its own, Django
start-up included), against one local host that adds --delay-ms to every answer (its own
process). Every URL is probed under the default `safe` policy, so the run sends
N x (requests per target) requests, all to one host, at most --per-host at a time:
floor = requests x delay / per-host. Prints the wall time against that floor, with and
without the command's start-up (a run with one URL), and checks from the JUnit report
that every probe was answered.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

from bench.probe import latency_server
from diagnoser.probing.model import ProbePolicy, Target
from diagnoser.probing.plan import plan_for

ROOT = Path(__file__).resolve().parents[1]


def gate(urls: list[str], per_host: int) -> tuple[float, ET.Element]:
    command = [sys.executable, "manage.py", "diagnose", *urls]
    command += ["--allow-private", "--format", "junit"]
    env = {**os.environ, "DIAGNOSER_PER_HOST_CONCURRENCY": str(per_host)}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"diagnose exited {result.returncode}: {result.stderr.strip()}")
    return wall, ET.fromstring(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--targets", type=int, default=500)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--per-host", type=int, default=16)
    parser.add_argument(
        "--no-startup", action="store_true", help="skip the one-URL run (the tests' tiny size)"
    )
    args = parser.parse_args()
    with latency_server(args.delay_ms) as port:
        urls = [f"http://127.0.0.1:{port}/operations/{i}" for i in range(args.targets)]
        per_target = len(plan_for(Target(urls[0], policy=ProbePolicy.SAFE)))
        requests = per_target * args.targets
        floor = requests * args.delay_ms / 1000 / args.per_host
        startup = None if args.no_startup else gate(urls[:1], args.per_host)[0]
        wall, report = gate(urls, args.per_host)
    cases = report.findall(".//testcase")
    failed = [
        s
        for s in report.iter("testsuite")
        if s.find(".//failure[@type='probe_failed']") is not None
    ]
    print(f"{args.targets} URLs x {per_target} requests = {requests} requests, one host")
    print(f"delay {args.delay_ms:.0f} ms, per-host limit {args.per_host}")
    print(f"floor (requests x delay / per-host)   {floor:8.2f} s")
    print(f"wall, whole command                   {wall:8.2f} s")
    print(f"wall / floor                          {wall / floor:8.2f}x")
    if startup is not None:
        print(f"one-URL run (start-up + one matrix)   {startup:8.2f} s")
        print(f"(wall - one-URL run) / floor          {(wall - startup) / floor:8.2f}x")
    print(
        f"testsuites {len(report.findall('testsuite'))}, testcases {len(cases)}, "
        f"URLs with a failed probe {len(failed)}"
    )


if __name__ == "__main__":
    main()
