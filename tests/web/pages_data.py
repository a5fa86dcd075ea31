"""Runs recorded from real probes of the specimen API, for the page tests.

A run is created, claimed and recorded through the monitoring services exactly as a
worker does it; only the queueing is skipped (the probe happens here, in the test).
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

import pytest

from diagnoser.inventory.models import Endpoint, Environment, Service, Workspace
from diagnoser.inventory.selectors import target_for
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import ProbeRun, Trigger
from diagnoser.monitoring.services.runs import run_claim, run_record
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbeReport
from tests.monitoring.fixtures import Specimens


@pytest.fixture(scope="module")
def specimens():
    servers = Specimens()
    yield servers
    servers.close()


class Servers(Protocol):
    def url(self, env: str) -> str: ...


def specimen_service(
    specimens: Servers, *, workspace: Workspace, paths: tuple[str, ...], name: str = "shop"
) -> Service:
    """The specimen's staging and prod registered in a workspace, both probed `full`."""
    service = service_create(workspace=workspace, name=name)
    environment_create(
        service=service, name="staging", base_url=specimens.url("staging"), probe_policy="full"
    )
    environment_create(
        service=service,
        name="prod",
        base_url=specimens.url("prod"),
        is_production=True,
        probe_policy="full",
    )
    for path in paths:
        endpoint_create(service=service, path=path, samples={"id": "0"} if "{id}" in path else {})
    return service


def probe(endpoint: Endpoint, environment: Environment) -> ProbeReport:
    with ProbeEngine(engine_config()) as engine:
        return engine.probe(target_for(endpoint=endpoint, environment=environment))


def record(endpoint: Endpoint, environment: Environment, report: ProbeReport) -> ProbeRun:
    run = ProbeRun.objects.create(
        endpoint=endpoint, environment=environment, trigger=Trigger.MANUAL
    )
    assert run_claim(run_id=run.id, worker="test")
    return run_record(run=run, report=report)


def probe_all(service: Service) -> list[ProbeRun]:
    return [
        record(endpoint, environment, probe(endpoint, environment))
        for endpoint in service.endpoints.all()
        for environment in service.environments.all()
    ]


class ScriptServer:
    """Answers every request with an HTML body carrying a <script>, on 127.0.0.1."""

    BODY = b"<html><script>alert('pwned')</script></html>"

    def __init__(self) -> None:
        body = self.BODY

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.send_response(405)
                self.send_header("Allow", "GET")
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def __getattr__(self, name: str):
                if name.startswith("do_"):
                    return self._answer
                raise AttributeError(name)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
