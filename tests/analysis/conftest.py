"""A probe engine admitted to loopback only, shared by the analysis tests."""

import ipaddress
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def koa_allowed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _node("koa_allowed", tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="session")
def fastify_cors_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _node("fastify_cors", tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="session")
def hapi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _node("hapi", tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="session")
def hapi_cors_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _node("hapi_cors", tmp_path_factory) as server:
        yield server


@contextmanager
def _node(name: str, factory: pytest.TempPathFactory) -> Iterator[Server]:
    script, mode = NODE_STACKS[name]
    try:
        with run_node(name, script, mode, factory.mktemp(name)) as server:
            yield server
    except ServerUnavailable as unavailable:
        pytest.skip(str(unavailable))
