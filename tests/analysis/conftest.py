"""A probe engine admitted to loopback only, shared by the analysis tests."""

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from diagnoser.probing.engine import EngineConfig, ProbeEngine
from tests.servers.fixtures import Server, ServerUnavailable
from tests.servers.runners import NODE_STACKS, run_aiohttp, run_node, run_tornado, run_wsgi


@pytest.fixture(scope="session")
def loopback_engine() -> Iterator[ProbeEngine]:
    config = EngineConfig(
        allow_networks=(ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")),
        deadline=5.0,
    )
    with ProbeEngine(config) as engine:
        yield engine


# Corpus stacks the safe-policy tests need beyond tests/servers/fixtures.py's: each
# answers unsent verbs in its own way (tests/servers/OBSERVED.md).
@pytest.fixture(scope="session")
def aiohttp_server() -> Iterator[Server]:
    with run_aiohttp() as server:
        yield server


@pytest.fixture(scope="session")
def tornado_server() -> Iterator[Server]:
    with run_tornado() as server:
        yield server


@pytest.fixture(scope="session")
def pyramid_server() -> Iterator[Server]:
    with run_wsgi("pyramid") as server:
        yield server


def _node_fixture(name: str) -> Callable[[pytest.TempPathFactory], Iterator[Server]]:
    """A session fixture `<name>_server` for the Node stack `name` of runners.NODE_STACKS."""

    @pytest.fixture(scope="session", name=f"{name}_server")
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
        with _node(name, tmp_path_factory) as started:
            yield started

    return server


koa_allowed_server = _node_fixture("koa_allowed")
fastify_cors_server = _node_fixture("fastify_cors")
hapi_server = _node_fixture("hapi")
hapi_cors_server = _node_fixture("hapi_cors")


@contextmanager
def _node(name: str, factory: pytest.TempPathFactory) -> Iterator[Server]:
    script, mode = NODE_STACKS[name]
    try:
        with run_node(name, script, mode, factory.mktemp(name)) as server:
            yield server
    except ServerUnavailable as unavailable:
        pytest.skip(str(unavailable))
