"""CI gate benchmark: prints figures, asserts nothing.

    .venv/bin/python -m bench.ci_gate [--targets 500] [--delay-ms 50] [--per-host 16] [--openapi]

`manage.py diagnose URL x N --format junit` as CI runs it (a process of its own, Django
start-up included), against one local host that adds --delay-ms to every answer (its own
process). Every URL is probed under the default `safe` policy, so the run sends
N x (requests per target) requests, all to one host, at most --per-host at a time:
floor = requests x delay / per-host. Prints the wall time against that floor, with and
without the command's start-up (a run with one URL), and checks from the JUnit report
that every probe was answered.

--openapi: `manage.py diagnose --openapi FILE --base-url ...` instead, on a generated
OpenAPI 3.1 document of N operations: N / 2 paths of two operations each, every other
one a template (`/resources/{n}/{id}`: its phantom id adds requests under `safe`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree as ET

from bench.probe import latency_server
from diagnoser.probing.model import ProbePolicy, Target
from diagnoser.probing.plan import plan_for

ROOT = Path(__file__).resolve().parents[1]


def gate(arguments: list[str], per_host: int) -> tuple[float, ET.Element]:
    command = [sys.executable, "manage.py", "diagnose", *arguments]
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
    parser.add_argument(
        "--openapi", action="store_true", help="probe a document of --targets operations"
    )
    args = parser.parse_args()
    with latency_server(args.delay_ms) as port, tempfile.TemporaryDirectory() as tmp:
        base = f"http://127.0.0.1:{port}"
        if args.openapi:
            templates = [_path(n) for n in range(max(1, args.targets // 2))]
            targets = [_target(base + t) for t in templates]
            document = Path(tmp) / "openapi.json"
            document.write_text(json.dumps(_document(templates)))
            arguments = ["--openapi", str(document), "--base-url", base]
            what = f"{len(templates) * 2} operations on {len(templates)} paths"
        else:
            targets = [_target(f"{base}/operations/{i}") for i in range(args.targets)]
            arguments = [t.url for t in targets]
            what = f"{args.targets} URLs"
        requests = sum(len(plan_for(t)) for t in targets)
        floor = requests * args.delay_ms / 1000 / args.per_host
        startup = None if args.no_startup else gate([targets[0].url], args.per_host)[0]
        wall, report = gate(arguments, args.per_host)
    cases = report.findall(".//testcase")
    failed = [
        s
        for s in report.iter("testsuite")
        if s.find(".//failure[@type='probe_failed']") is not None
    ]
    print(f"{what}: {len(targets)} targets, {requests} requests, one host")
    print(f"delay {args.delay_ms:.0f} ms, per-host limit {args.per_host}")
    print(f"floor (requests x delay / per-host)   {floor:8.2f} s")
    print(f"wall, whole command                   {wall:8.2f} s")
    print(f"wall / floor                          {wall / floor:8.2f}x")
    if startup is not None:
        print(f"one-URL run (start-up + one matrix)   {startup:8.2f} s")
        print(f"(wall - one-URL run) / floor          {(wall - startup) / floor:8.2f}x")
    print(
        f"testsuites {len(report.findall('testsuite'))}, testcases {len(cases)}, "
        f"targets with a failed probe {len(failed)}"
    )


def _path(n: int) -> str:
    return f"/resources/{n}/{{id}}" if n % 2 else f"/resources/{n}"


def _target(template: str) -> Target:
    """As `diagnose` builds it: a template filled with the document's sample."""
    if "{id}" not in template:
        return Target(template, policy=ProbePolicy.SAFE)
    url = template.replace("{id}", "0")
    return Target(url, policy=ProbePolicy.SAFE, template=template, samples=(("id", "0"),))


def _document(templates: list[str]) -> dict[str, object]:
    ok = {"responses": {"200": {"description": "ok"}}}
    parameter = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    paths: dict[str, object] = {}
    for template in templates:
        if "{id}" in template:
            paths[template] = {"parameters": [parameter], "get": ok, "delete": ok}
        else:
            paths[template] = {"get": ok, "post": ok}
    return {"openapi": "3.1.0", "info": {"title": "bench", "version": "1"}, "paths": paths}


if __name__ == "__main__":
    main()
