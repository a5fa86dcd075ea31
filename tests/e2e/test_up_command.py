"""`manage.py up` as a person runs it: a fresh var/, the printed login, a real worker on the
filesystem broker, and Ctrl-C leaving no process behind."""

import os
import queue
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
# What a fresh machine has not set: the command must bring its own embedded defaults.
UNSET = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SECRET_KEY",
    "DIAGNOSER_FIELD_KEYS",
    "DIAGNOSER_ALLOW_NETWORKS",
    "DIAGNOSER_DEMO_PASSWORD",
)

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, start time, state) for every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[19]), fields[0])
    return table


def _descendants(root: int) -> set[tuple[int, int]]:
    """(pid, start time) of every process below root; the start time tells pid reuse apart."""
    table = _processes()
    found: set[tuple[int, int]] = set()
    parents = {root}
    while parents:
        children = {pid for pid, (ppid, _, _) in table.items() if ppid in parents}
        found |= {(pid, table[pid][1]) for pid in children}
        parents = children
    return found


def _still_running(processes: set[tuple[int, int]]) -> set[int]:
    table = _processes()
    return {
        pid
        for pid, start in processes
        if pid in table and table[pid][1] == start and table[pid][2] != "Z"
    }


class Up:
    def __init__(self, var_dir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if k not in UNSET}
        env.update(DIAGNOSER_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
        self.port = port
        self.database = var_dir / "diagnoser.sqlite3"
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "up", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self._lines.put(line)

    def wait_for_line(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.output)}")

    def run_states(self) -> dict[str, int]:
        with sqlite3.connect(self.database, timeout=5) as db:
            rows = db.execute("SELECT state, count(*) FROM monitoring_proberun GROUP BY state")
            return dict(rows.fetchall())


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    started = Up(tmp_path / "var", _free_port())
    yield started
    if started.process.poll() is None:  # the test failed before stopping it
        left = _descendants(started.process.pid)
        started.process.kill()
        started.process.wait(10)
        for pid in _still_running(left):
            os.kill(pid, signal.SIGKILL)


def _log_in(base: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, form.text
    answer = session.post(
        f"{base}login/",
        data={"username": "demo", "password": password, "csrfmiddlewaretoken": token[1]},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    return session


def test_up_serves_the_demo_with_a_working_worker_and_stops_every_child_on_ctrl_c(up):
    url = up.wait_for_line(r"running at (http://127\.0\.0\.1:\d+/)", timeout=90)[1]
    password = up.wait_for_line(r"log in as demo, password (\S+)", timeout=5)[1]
    assert url == f"http://127.0.0.1:{up.port}/"

    session = _log_in(url, password)
    assert "specimen-api" in session.get(url, timeout=10).text

    deadline = time.monotonic() + 60
    while (states := up.run_states()) and set(states) != {"done"}:
        assert time.monotonic() < deadline, f"probe runs still {states}"
        time.sleep(0.5)
    assert states["done"] > 0

    children = _descendants(up.process.pid)
    assert len(children) >= 6  # two demo APIs, worker, beat, gunicorn and its workers
    up.process.send_signal(signal.SIGINT)

    assert up.process.wait(30) == 0, "".join(up.output)
    assert _still_running(children) == set()
    assert "Stopped." in up.output[-1]


def test_sigterm_while_starting_stops_the_children_already_running(up):
    up.wait_for_line(r"^demo API ", timeout=90)
    children = _descendants(up.process.pid)
    assert len(children) >= 2  # the two demo APIs

    up.process.send_signal(signal.SIGTERM)

    assert up.process.wait(30) == 0, "".join(up.output)
    assert _still_running(children) == set()


def test_up_refuses_a_web_port_already_in_use(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = Up(tmp_path / "var", port)
        assert started.process.wait(30) == 1
    assert f"127.0.0.1:{port} is in use" in "".join(started.output)
