"""`manage.py diagnose` as a person runs it: a subprocess, its output and exit status."""

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
# Every verb sent to a loopback server: what most of these tests need.
FULL = ("--allow-private", "--policy", "full")


def run(*args: str, netns: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "manage.py", "diagnose", *args]
    if netns:
        # A network namespace with only a downed loopback: nothing can leave it.
        command = ["unshare", "-n", *command]
    env = {**os.environ, "DIAGNOSER_ALLOW_NETWORKS": ""}
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, env=env, check=False
    )


def run_local(url: str, *flags: str, **options: str) -> subprocess.CompletedProcess[str]:
    """A diagnosis of a test server on loopback (--allow-private); options as --name value."""
    args = [url, "--allow-private", *flags]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", value]
    return run(*args)


@dataclass(frozen=True)
class Called:
    returncode: int
    stdout: str
    stderr: str


def call(*args: str) -> Called:
    """`diagnose` run in this process: the same command without a second start-up, for
    tests that run it several times (a CommandError's exit status and message as the
    shell would see them)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("diagnose", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return Called(int(exit.code or 0), out.getvalue(), err.getvalue())
    except CommandError as error:
        return Called(error.returncode, out.getvalue(), err.getvalue() + str(error))
    return Called(0, out.getvalue(), err.getvalue())
