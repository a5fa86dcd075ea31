"""Fixtures for engine tests: real servers on 127.0.0.1 and engines allowed to reach them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from diagnoser.probing.engine import ProbeEngine

from .servers import EchoServer, StartServer, echo_serving, local_config, raw_servers


@pytest.fixture(scope="session")
def echo_server() -> Iterator[EchoServer]:
    with echo_serving() as server:
        yield server


@pytest.fixture
def echo(echo_server: EchoServer) -> EchoServer:
    """The echo server with its counters reset for this test."""
    echo_server.stats.reset()
    return echo_server


@pytest.fixture
def engine() -> Iterator[ProbeEngine]:
    with ProbeEngine(local_config()) as probe_engine:
        yield probe_engine


@pytest.fixture
def raw_server() -> Iterator[StartServer]:
    """Start raw-socket servers with a given behaviour; all stop when the test ends."""
    with raw_servers() as start:
        yield start
