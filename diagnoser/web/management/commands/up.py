"""Run everything on one machine until Ctrl-C: the demo API, web, worker and beat.

The README's run command ends here. It migrates, serves the specimen API as the demo's two
environments, registers them (`seed_demo`), creates the demo login, queues a first probe
of every demo target, then starts gunicorn, a Celery worker and one celery beat. The
children share one process group of their own: SIGINT or SIGTERM to this process stops
the whole group, and what ignores SIGTERM for too long is killed.

Embedded defaults (SQLite and the filesystem broker under var/) unless DATABASE_URL and
CELERY_BROKER_URL say otherwise.
"""

import contextlib
import ipaddress
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import urlopen

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.utils import get_random_secret_key
from django.db import connection
from kombu.utils.url import maybe_sanitize_url

from diagnoser.env import env_str
from diagnoser.inventory import crypto
from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.monitoring.management.commands.seed_demo import DEMO_WORKSPACE
from diagnoser.monitoring.models import ProbeRun
from diagnoser.monitoring.queue import BrokerUnavailable
from diagnoser.monitoring.services.runs import runs_request
from diagnoser.probing.guard import parse_networks

DEMO_USER = "demo"
# What the children get to finish their work after SIGTERM: a running probe has a 10 s
# deadline and gunicorn is told to give requests 5 s.
STOP_GRACE = 15.0
WEB_START_TIMEOUT = 30.0
CELERY = [sys.executable, "-m", "celery", "-A", "diagnoser", "--quiet"]
# Threads, as in docker-compose.yml: probing waits on the network, and the worker's one
# probe engine shares its per-host limit across them.
WORKER_OPTIONS = ["--pool=threads", "--concurrency=8", "--loglevel=WARNING"]
WORKER_OPTIONS += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
GUNICORN = [sys.executable, "-m", "gunicorn", "diagnoser.wsgi", "--log-level=warning"]
# --preload: Django loads once, before the port opens, so the first page is not slow.
GUNICORN += ["--preload", "--workers=2", "--threads=4", "--graceful-timeout=5"]


class _Stop(Exception):
    """SIGINT or SIGTERM arrived: unwind and stop the children."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


class Children:
    """Child processes in one process group, so grandchildren (gunicorn's workers) go too."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: dict[str, subprocess.Popen[str]] = {}
        self.group: int | None = None

    def start(self, name: str, argv: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        # argv is ours: this interpreter and fixed options, never user input.
        process = subprocess.Popen(  # noqa: S603
            argv,
            env=self.env,
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
            # Not the terminal's group: Ctrl-C reaches only us, and we stop them in order.
            process_group=self.group or 0,
            text=True,
            **kwargs,
        )
        if self.group is None:
            self.group = process.pid
        self.processes[name] = process
        return process

    def first_exited(self) -> tuple[str, int] | None:
        for name, process in self.processes.items():
            code = process.poll()
            if code is not None:
                return name, code
        return None

    def stop(self) -> None:
        if self.group is None:
            return
        self._signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for process in self.processes.values():
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                break
        # Whatever is left, direct child or not, is killed.
        self._signal_group(signal.SIGKILL)
        for process in self.processes.values():
            process.wait()

    def _signal_group(self, signum: signal.Signals) -> None:
        assert self.group is not None
        with contextlib.suppress(ProcessLookupError):  # the whole group has exited
            os.killpg(self.group, signum)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _persisted_secret(path: Path, make: Callable[[], str]) -> str:
    """A value generated once into var/ (O_EXCL: two starts must not write two values)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(make())
    return path.read_text().strip()


def _local_keys() -> dict[str, str]:
    """Keys for the children when the environment sets none.

    A generated SECRET_KEY under var/ instead of the published dev default, so sessions on
    this machine can't be forged; the field key is the one settings already use locally.
    Settings then see both keys set, which is what they require of any deployment.
    """
    if os.environ.get("DJANGO_SECRET_KEY"):
        return {}
    field_keys = os.environ.get("DIAGNOSER_FIELD_KEYS", "")
    if not field_keys:
        crypto.fernet()  # generates var/field-keys on first use
        field_keys = settings.DIAGNOSER_FIELD_KEY_FILE.read_text().strip()
    secret_key = _persisted_secret(settings.VAR_DIR / "secret-key", get_random_secret_key)
    return {"DJANGO_SECRET_KEY": secret_key, "DIAGNOSER_FIELD_KEYS": field_keys}


def _allow_loopback() -> str:
    """DIAGNOSER_ALLOW_NETWORKS as set, plus 127.0.0.1 where the demo API listens."""
    loopback = ipaddress.ip_address("127.0.0.1")
    current = os.environ.get("DIAGNOSER_ALLOW_NETWORKS", "")
    if any(loopback in network for network in settings.DIAGNOSER_ALLOW_NETWORKS):
        return current
    return ",".join(filter(None, [current, "127.0.0.1/32"]))


def _preferred_port(url: str) -> int:
    port = urlsplit(url).port
    return port if port and _port_free(port) else 0


def _database_label() -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {connection.settings_dict['NAME']}"
    return f"{connection.vendor} {connection.settings_dict['NAME']}"


def _broker_label() -> str:
    url = str(settings.CELERY_BROKER_URL)
    if url.startswith("filesystem://"):
        return f"filesystem {settings.VAR_DIR / 'broker'}"
    return str(maybe_sanitize_url(url))


class Command(BaseCommand):
    help = (
        "Run the local demo: migrate, serve and register the demo API, create the demo "
        "login, then run web, worker and beat until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="web port on 127.0.0.1")

    def handle(self, *args: Any, port: int, **options: Any) -> None:
        if not _port_free(port):
            raise CommandError(f"127.0.0.1:{port} is in use: stop what runs there or pass --port")
        env = {
            **os.environ,
            **_local_keys(),
            "DIAGNOSER_VAR_DIR": str(settings.VAR_DIR),
            "DIAGNOSER_ALLOW_NETWORKS": _allow_loopback(),
            "DIAGNOSER_LOG_LEVEL": os.environ.get("DIAGNOSER_LOG_LEVEL", "WARNING"),
            "PYTHONUNBUFFERED": "1",
        }
        children = Children(env)
        previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._run(children, port)
        except _Stop:
            self.stdout.write("Stopping web, worker, beat and the demo API…")
        finally:
            # A second Ctrl-C must not cut the clean-up short and leave orphans.
            for signum in previous:
                signal.signal(signum, signal.SIG_IGN)
            children.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Stopped.")

    def _run(self, children: Children, port: int) -> None:
        self.stdout.write(f"database  {_database_label()}")
        self.stdout.write(f"broker    {_broker_label()}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        password = self._demo_login()
        staging = self._start_specimen(children, "staging", settings.DIAGNOSER_DEMO_STAGING_URL)
        prod = self._start_specimen(children, "prod", settings.DIAGNOSER_DEMO_PROD_URL)
        self.stdout.write(f"demo API  staging {staging}  prod {prod}")
        self.stdout.write(
            "probing   127.0.0.1 admitted (DIAGNOSER_ALLOW_NETWORKS) because the demo API "
            "listens on loopback"
        )
        # Registering checks base URLs against the guard as the children will probe them.
        settings.DIAGNOSER_ALLOW_NETWORKS = list(parse_networks(_allow_loopback()))
        call_command(
            "seed_demo", staging_url=staging, prod_url=prod, owner=DEMO_USER, stdout=StringIO()
        )
        queued = self._queue_first_probes()
        self.stdout.write(f"queued    a first probe of {queued} demo targets")
        connection.close()  # the children write now; hold no SQLite handle meanwhile

        children.start("worker", [*CELERY, "worker", *WORKER_OPTIONS])
        children.start("beat", [*CELERY, "beat", "--loglevel=WARNING"])
        children.start("web", [*GUNICORN, f"--bind=127.0.0.1:{port}"])
        self._wait_for_web(children, port)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"diagnoser is running at http://127.0.0.1:{port}/"))
        shown = password if password else "(from DIAGNOSER_DEMO_PASSWORD)"
        self.stdout.write(f"log in as {DEMO_USER}, password {shown}")
        self.stdout.write("Ctrl-C stops web, worker, beat and the demo API.")
        while True:
            exited = children.first_exited()
            if exited:
                name, code = exited
                raise CommandError(f"{name} exited with code {code}; stopped the others")
            time.sleep(0.5)

    def _demo_login(self) -> str | None:
        """Create or update the demo user; the generated password, if none was given."""
        chosen = env_str("DIAGNOSER_DEMO_PASSWORD", "")
        password = chosen or secrets.token_urlsafe(12)
        user, _ = User.objects.get_or_create(username=DEMO_USER)
        user.set_password(password)
        user.save()
        return None if chosen else password

    def _start_specimen(self, children: Children, env: str, default_url: str) -> str:
        port = _preferred_port(default_url)
        argv = [sys.executable, str(settings.BASE_DIR / "manage.py"), "run_specimen"]
        process = children.start(
            f"demo API ({env})",
            [*argv, "--env", env, "--port", str(port)],
            stdout=subprocess.PIPE,
        )
        assert process.stdout is not None
        # run_specimen prints its URL once it listens, and nothing else on stdout.
        line = process.stdout.readline()
        found = re.search(r"http://[\d.]+:\d+", line)
        if not found:
            raise CommandError(f"the {env} demo API did not start (see the error above)")
        return found.group(0)

    def _queue_first_probes(self) -> int:
        """How many demo targets wait for a first probe. seed_demo's import queued one for
        each target it created; only the others (an existing demo) get one here."""
        endpoints = list(Endpoint.objects.filter(service__workspace__name=DEMO_WORKSPACE))
        environments = list(Environment.objects.filter(service__workspace__name=DEMO_WORKSPACE))
        pending = set(
            ProbeRun.objects.filter(
                state__in=ProbeRun.PENDING, endpoint__service__workspace__name=DEMO_WORKSPACE
            ).values_list("endpoint_id", "environment_id")
        )
        targets = [
            (endpoint, environment)
            for endpoint in endpoints
            for environment in environments
            if environment.service_id == endpoint.service_id
        ]
        missing = [(e, env) for e, env in targets if (e.id, env.id) not in pending]
        try:
            if missing:
                runs_request(targets=missing)
        except BrokerUnavailable as error:
            raise CommandError(str(error)) from None
        return len(targets)

    def _wait_for_web(self, children: Children, port: int) -> None:
        deadline = time.monotonic() + WEB_START_TIMEOUT
        while time.monotonic() < deadline:
            exited = children.first_exited()
            if exited:
                raise CommandError(f"{exited[0]} exited with code {exited[1]} while starting")
            try:
                # Listening is not enough: the URL is printed once a page answers.
                with urlopen(f"http://127.0.0.1:{port}/login/", timeout=5):
                    return
            except HTTPError as error:
                raise CommandError(
                    f"the login page answered {error.code}: see the error above"
                ) from None
            except OSError:
                time.sleep(0.2)
        raise CommandError(
            f"the web server did not answer on 127.0.0.1:{port} within {WEB_START_TIMEOUT:.0f} s"
        )
