"""Local services stay out of reach by default, even where loopback is allowlisted (as `up`
does for its demo): a user who registers http://127.0.0.1:6379/ must not get our bytes
into this machine's Redis."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from diagnoser import settings as project_settings
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.errors import ErrorKind
from diagnoser.probing.model import ProbePolicy, Target


@pytest.fixture
def no_connects(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"a probe tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize("port", [6379, 5432, 3306, 11211, 25])
def test_service_ports_are_refused_on_an_allowlisted_loopback(
    settings: Any, no_connects: list[object], port: int
) -> None:
    settings.DIAGNOSER_ALLOW_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    settings.DIAGNOSER_BLOCKED_PORTS = project_settings.DIAGNOSER_BLOCKED_PORTS

    with ProbeEngine(engine_config()) as engine:
        report = engine.probe(Target(f"http://127.0.0.1:{port}/", policy=ProbePolicy.SAFE))

    assert {o.error_kind for o in report.observations} == {ErrorKind.BLOCKED}
    assert f"port {port} is on the blocked port list" in str(report.observations[0].error)
    assert no_connects == []


def test_the_default_list_is_what_settings_use_when_the_variable_is_unset() -> None:
    # The test run does not set DIAGNOSER_BLOCKED_PORTS, so settings hold the default.
    defaults = {int(p) for p in project_settings.DEFAULT_BLOCKED_PORTS.split(",")}
    assert set(project_settings.DIAGNOSER_BLOCKED_PORTS) == defaults
    assert {6379, 5432, 3306, 11211} <= defaults
