"""Probe engine benchmark: prints figures, asserts nothing.

    .venv/bin/python -m bench.probe

1. Throughput: 500 targets (13 probes each) on a local nginx, one engine, one process:
   probe requests per second and peak RSS.
2. Latency: single targets on a local server that adds 50 ms per request: matrix wall
   time against the slowest single probe, and against the same 13 probes sent one after
   another.

Installs nginx from Debian's packages when it is missing (needs root).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from diagnoser.probing.engine import EngineConfig, ProbeEngine
from diagnoser.probing.model import Target
from tests.servers.nginx import TEMP_PATHS

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
{temp_paths}
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
        location / {{
            if ($request_method = GET) {{ return 200 "ok\\n"; }}
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port: int = sock.getsockname()[1]
    return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found:
        return found
    print("nginx is missing: installing it from Debian's packages", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "nginx"], env=env, check=False).returncode:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "nginx"], env=env, check=True)
    found = shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:/usr/bin")
    if not found:
        raise SystemExit("nginx is still missing after apt-get install")
    return found


@contextlib.contextmanager
def running(command: list[str], port: int) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        yield
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def nginx() -> Iterator[int]:
    binary = nginx_binary()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="diagnoser-bench-") as tmp:
        os.chmod(tmp, 0o755)  # workers run as an unprivileged user when started as root
        (Path(tmp) / "www").mkdir()
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(tmp=tmp, port=port, temp_paths=TEMP_PATHS.format(tmp=tmp))
        )
        with running([binary, "-p", tmp, "-e", f"{tmp}/error.log", "-c", str(conf)], port):
            yield port


@contextlib.contextmanager
def latency_server(delay_ms: float) -> Iterator[int]:
    port = free_port()
    command = [sys.executable, "-m", "bench.latency_server", str(port), str(delay_ms)]
    with running(command, port):
        yield port


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def throughput(targets: int) -> None:
    with nginx() as port, ProbeEngine(EngineConfig(allow_networks=LOOPBACK)) as engine:
        urls = [f"http://127.0.0.1:{port}/t/{n}" for n in range(targets)]
        engine.probe(Target(urls[0]))  # warm the pool and the worker threads
        started = time.perf_counter()
        reports = engine.probe_many(Target(url) for url in urls)
        elapsed = time.perf_counter() - started
    observations = [o for r in reports for o in r.observations]
    failed = sum(1 for o in observations if o.error_kind is not None)
    print(f"nginx, {targets} targets, {len(observations)} probe requests, one engine:")
    print(f"  wall time         {elapsed:8.2f} s")
    print(f"  probe requests/s  {len(observations) / elapsed:8.0f}")
    print(f"  failed probes     {failed:8d}")
    print(f"  peak RSS          {peak_rss_mib():8.1f} MiB")


def latency(rounds: int, delay_ms: float) -> None:
    with latency_server(delay_ms) as port:
        url = f"http://127.0.0.1:{port}/resource"
        config = EngineConfig(allow_networks=LOOPBACK)
        with (
            ProbeEngine(config) as engine,
            ProbeEngine(
                EngineConfig(allow_networks=LOOPBACK, per_host_concurrency=1)
            ) as one_by_one,
        ):
            engine.probe(Target(url))
            one_by_one.probe(Target(url))
            ratios, speedups, walls = [], [], []
            for _ in range(rounds):
                started = time.perf_counter()
                report = engine.probe(Target(url))
                wall = (time.perf_counter() - started) * 1000
                slowest = max(o.elapsed_ms for o in report.observations)
                started = time.perf_counter()
                one_by_one.probe(Target(url))
                sequential = (time.perf_counter() - started) * 1000
                walls.append(wall)
                ratios.append(wall / slowest)
                speedups.append(sequential / wall)
    print(f"\nsingle targets, server adds {delay_ms:g} ms per request, {rounds} rounds:")
    print(f"  matrix wall time          median {statistics.median(walls):6.1f} ms")
    print(
        f"  wall / slowest probe      median {statistics.median(ratios):6.2f}x"
        f"   worst {max(ratios):.2f}x"
    )
    print(
        f"  speed-up vs one by one    median {statistics.median(speedups):6.1f}x"
        f"   worst {min(speedups):.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--targets", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs")
    throughput(args.targets)
    latency(args.rounds, args.delay_ms)


if __name__ == "__main__":
    main()
