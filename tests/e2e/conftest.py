"""Browser tests: headless Debian Chromium (never `playwright install`) against pytest-django's
live server, with a real Celery worker on Redis and the specimen API on 127.0.0.1."""

from collections.abc import Callable, Iterator
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page

from diagnoser.inventory.models import Endpoint, Environment, Service, Workspace
from diagnoser.inventory.services import workspace_create
from diagnoser.monitoring.models import ProbeRun
from tests.e2e.browser import chromium
from tests.monitoring.fixtures import LOOPBACK, REDIS_URL, broker_at, wait_for, worker_in_thread

PASSWORD = "correct horse battery staple"

# The monitoring tests' real parts: Redis (started when down) and the specimen API's
# staging and prod on 127.0.0.1.
TIMEOUT_MS = 20_000


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Package scope, so no test outside tests/e2e runs beside Playwright's event loop.
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="package")
def e2e_worker(redis_server):
    """A real worker on Redis, on this test process's own queue, stopped before other
    packages start theirs (tests/monitoring's session worker would run beside it)."""
    with broker_at(REDIS_URL), worker_in_thread() as worker:
        yield worker


@pytest.fixture
def e2e(settings, live_server, e2e_worker):
    """Live server and worker, both admitting the specimen API on loopback."""
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK
    return live_server


@pytest.fixture
def owner(db) -> tuple[User, Workspace]:
    user = User.objects.create_user("alice", password=PASSWORD)
    return user, workspace_create(name="acme", owner=user)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    fresh = browser.new_context(viewport={"width": 1280, "height": 900})
    fresh.set_default_timeout(TIMEOUT_MS)
    yield fresh
    fresh.close()


@pytest.fixture
def logged_in(context: BrowserContext, e2e) -> Callable[[User], Page]:
    """A page whose context carries a session for the user (the login form has its own test)."""

    def log_in(user: User) -> Page:
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": e2e.url}])
        return context.new_page()

    return log_in


@pytest.fixture
def demo(e2e, specimens) -> Service:
    """seed_demo's workspace, owned by alice, every target probed by the worker."""
    User.objects.create_user("alice", password=PASSWORD)
    call_command(
        "seed_demo",
        staging_url=specimens.url("staging"),
        prod_url=specimens.url("prod"),
        owner="alice",
        stdout=StringIO(),
    )
    service = Service.objects.get(workspace__name="demo")
    # Registration probes every target (one run each, published on commit).
    targets = Endpoint.objects.filter(service=service).count() * (
        Environment.objects.filter(service=service).count()
    )
    runs = ProbeRun.objects.filter(endpoint__service=service)
    wait_for(
        lambda: (
            runs.filter(state=ProbeRun.State.DONE).count() >= targets
            and not runs.exclude(state=ProbeRun.State.DONE).exists()
        ),
        timeout=60,
        what="the demo's first probes",
    )
    return service
