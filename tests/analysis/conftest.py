"""A probe engine admitted to loopback only, shared by the analysis tests."""

import ipaddress
from collections.abc import Iterator

import pytest

from diagnoser.probing.engine import EngineConfig, ProbeEngine


@pytest.fixture(scope="session")
def loopback_engine() -> Iterator[ProbeEngine]:
    config = EngineConfig(
        allow_networks=(ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")),
        deadline=5.0,
    )
    with ProbeEngine(config) as engine:
        yield engine
