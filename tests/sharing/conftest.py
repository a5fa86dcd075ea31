"""Real runs to share: a leaky API on 127.0.0.1, probed by the real engine, stored by
run_record, inside acme's inventory (the trio from tests/web)."""

import ipaddress
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.inventory.selectors import target_for
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import DriftReport, ProbeRun
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.monitoring.services.drift_reports import drift_report_finish, drift_report_start
from diagnoser.monitoring.services.runs import run_claim, run_record, run_request
from diagnoser.probing.engine import ProbeEngine
from diagnoser.sharing.models import ShareLink
from diagnoser.sharing.services import share_link_create
from tests.web.conftest import Trio, trio  # noqa: F401 (the trio every view test uses)

SECRET = "Bearer leak-me-0123456789abcdef"
CREDENTIAL = "leak-me-0123456789abcdef"  # what servers often echo without the scheme
# A header value written to deceive whoever pastes the export into an issue tracker.
HOSTILE_SERVER = "<script>alert(1)</script> `rm -rf` [click](https://evil.example)"


class LeakyHandler(BaseHTTPRequestHandler):
    """/<env>/items of an API that echoes credentials: into every body and, without the
    scheme, into WWW-Authenticate; its Server header carries HTML and Markdown. staging
    serves PATCH, prod does not (drift)."""

    protocol_version = "HTTP/1.1"

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):
            return self._route
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def version_string(self) -> str:
        return HOSTILE_SERVER

    def _route(self) -> None:
        env, _, rest = self.path.lstrip("/").partition("/")
        if env not in ("staging", "prod") or rest != "items":
            return self._send(404, b"not found\n", {})
        auth = self.headers.get("Authorization", "")
        allow = "GET, HEAD, PATCH, OPTIONS" if env == "staging" else "GET, HEAD, OPTIONS"
        headers = {
            "Allow": allow,
            "WWW-Authenticate": f'Bearer realm="api", token="{auth.rpartition(" ")[2]}"',
        }
        body = f"debug: authorization={auth}\n".encode()
        method = self.command
        if method in ("GET", "HEAD") or (method == "PATCH" and env == "staging"):
            self._send(200, body, headers)
        elif method == "OPTIONS":
            self._send(204, b"", headers)
        else:
            self._send(405, body, headers)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="session")
def leaky_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), LeakyHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def engine(settings) -> Iterator[ProbeEngine]:
    settings.DIAGNOSER_ALLOW_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    with ProbeEngine(engine_config()) as probe_engine:
        yield probe_engine


@dataclass(frozen=True)
class Api:
    service: Service
    staging: Environment
    prod: Environment
    endpoint: Endpoint


@pytest.fixture
def api(trio: Trio, leaky_url: str) -> Api:  # noqa: F811
    """acme's "leaky" service: /items in staging and prod, probed with a secret header."""
    service = service_create(workspace=trio.acme, name="leaky")
    staging, prod = (
        environment_create(
            service=service,
            name=name,
            base_url=f"{leaky_url}/{name}",
            probe_policy="full",
            cors_origin="https://app.example",
            headers={"Authorization": SECRET},
        )
        for name in ("staging", "prod")
    )
    return Api(service, staging, prod, endpoint_create(service=service, path="/items"))


Record = Callable[[Environment], ProbeRun]


@pytest.fixture
def record(api: Api, engine: ProbeEngine) -> Record:
    """Probe /items in the environment now and store it the way a worker does."""

    def record_run(environment: Environment) -> ProbeRun:
        return probe_and_store(engine, run_request(endpoint=api.endpoint, environment=environment))

    return record_run


def probe_and_store(engine: ProbeEngine, run: ProbeRun) -> ProbeRun:
    """What the probe task does with a queued run (no broker: nothing was published)."""
    assert run_claim(run_id=run.id, worker="test")
    report = engine.probe(target_for(endpoint=run.endpoint, environment=run.environment))
    return run_record(run=run, report=report)


@pytest.fixture
def run(api: Api, record: Record) -> ProbeRun:
    return record(api.prod)


@pytest.fixture
def report(api: Api, engine: ProbeEngine) -> DriftReport:
    """A finished drift report of the leaky service (staging serves PATCH, prod not)."""
    check = drift_check_create(service=api.service, name="nightly")
    drift_report = drift_report_start(check=check)
    for queued in drift_report.runs.select_related("endpoint", "environment"):
        probe_and_store(engine, queued)
    # drift_report_maybe_finish would hand this to the broker's finishing task.
    DriftReport.objects.filter(id=drift_report.id).update(state=DriftReport.State.FINISHING)
    finished = drift_report_finish(report_id=drift_report.id)
    assert finished is not None
    return finished


@pytest.fixture
def shared_run(run: ProbeRun, trio: Trio) -> tuple[ShareLink, str]:  # noqa: F811
    return share_link_create(run=run, user=trio.alice)


def anonymous() -> Client:
    """A fresh browser: no session, no cookies."""
    return Client()
