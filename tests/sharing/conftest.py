"""Real runs to share: a leaky API on 127.0.0.1, probed by the real engine, stored by
run_record, inside acme's inventory (the trio from tests/web)."""

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.inventory.services import endpoint_create, environment_create, service_create
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import DriftReport, ProbeRun
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.monitoring.services.runs import run_request
from diagnoser.probing.engine import ProbeEngine
from diagnoser.sharing.models import ShareLink
from diagnoser.sharing.services import share_link_create
from tests.factories import drift_report_probed, run_probe_and_store
from tests.stubs import Reply, Request, serving
from tests.web.conftest import Trio, trio  # noqa: F401 (the trio every view test uses)

SECRET = "Bearer leak-me-0123456789abcdef"
CREDENTIAL = "leak-me-0123456789abcdef"  # what servers often echo without the scheme
# A header value written to deceive whoever pastes the export into an issue tracker.
HOSTILE_SERVER = "<script>alert(1)</script> `rm -rf` [click](https://evil.example)"
TEXT = {"Content-Type": "text/plain"}


def _leaky(request: Request) -> Reply:
    """/<env>/items of an API that echoes credentials: into every body and, without the
    scheme, into WWW-Authenticate; its Server header carries HTML and Markdown. staging
    serves PATCH, prod does not (drift)."""
    env, _, rest = request.path.lstrip("/").partition("/")
    if env not in ("staging", "prod") or rest != "items":
        return Reply(404, b"not found\n", TEXT, server=HOSTILE_SERVER)
    auth = request.headers.get("Authorization", "")
    allow = "GET, HEAD, PATCH, OPTIONS" if env == "staging" else "GET, HEAD, OPTIONS"
    headers = {
        "Allow": allow,
        "WWW-Authenticate": f'Bearer realm="api", token="{auth.rpartition(" ")[2]}"',
        **TEXT,
    }
    body = f"debug: authorization={auth}\n".encode()
    method = request.method
    if method in ("GET", "HEAD") or (method == "PATCH" and env == "staging"):
        status = 200
    elif method == "OPTIONS":
        status, body = 204, b""
    else:
        status = 405
    return Reply(status, body, headers, server=HOSTILE_SERVER)


@pytest.fixture(scope="session")
def leaky_url() -> Iterator[str]:
    with serving(_leaky) as server:
        yield server.base_url


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
        run = run_request(endpoint=api.endpoint, environment=environment)
        return run_probe_and_store(engine=engine, run=run)

    return record_run


@pytest.fixture
def run(api: Api, record: Record) -> ProbeRun:
    return record(api.prod)


@pytest.fixture
def report(api: Api, engine: ProbeEngine) -> DriftReport:
    """A finished drift report of the leaky service (staging serves PATCH, prod not)."""
    check = drift_check_create(service=api.service, name="nightly")
    return drift_report_probed(engine=engine, check=check)


@pytest.fixture
def shared_run(run: ProbeRun, trio: Trio) -> tuple[ShareLink, str]:  # noqa: F811
    return share_link_create(run=run, user=trio.alice)


def anonymous() -> Client:
    """A fresh browser: no session, no cookies."""
    return Client()
