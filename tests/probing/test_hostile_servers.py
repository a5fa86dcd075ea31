"""The engine against servers that are slow, broken or hostile: every probe must end as a
recorded observation, within about the deadline, in bounded memory, and the engine must
keep working afterwards."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ErrorKind, Observation, Target

from . import servers
from .servers import EchoServer, RawBehaviour, StartServer, echo_url, local_config

DEADLINE = 1.5
# Generous on purpose: the point is "it ends", not how fast a loaded CI machine is.
ENDS_WITHIN = DEADLINE * 10


def _probe_get(engine: ProbeEngine, url: str) -> tuple[Observation, float]:
    started = time.perf_counter()
    report = engine.probe(Target(url))
    elapsed = time.perf_counter() - started
    get = report.get("GET")
    assert get is not None
    return get, elapsed


def _failed_as(get: Observation, kind: ErrorKind, detail: str) -> None:
    """No status came: the probe ended as `kind`, its error saying `detail`."""
    assert get.error_kind is kind, get.error
    assert detail in (get.error or "")
    assert get.status is None


def _still_works(engine: ProbeEngine, echo: EchoServer) -> None:
    report = engine.probe(Target(echo_url(echo)))
    assert {o.status for o in report.observations} == {200}


@pytest.mark.parametrize(
    "behaviour",
    [servers.slow_status_line, servers.slow_headers, servers.slow_body],
    ids=["status-line", "headers", "body"],
)
def test_a_server_trickling_one_byte_at_a_time_ends_as_timeout_at_the_deadline(
    engine: ProbeEngine, echo: EchoServer, raw_server: StartServer, behaviour: RawBehaviour
) -> None:
    get, elapsed = _probe_get(engine, raw_server(behaviour).url)

    _failed_as(get, ErrorKind.TIMEOUT, "deadline")
    assert DEADLINE * 0.9 < elapsed < ENDS_WITHIN
    _still_works(engine, echo)


def test_an_endless_body_is_cut_at_the_cap(
    engine: ProbeEngine, echo: EchoServer, raw_server: StartServer
) -> None:
    get, elapsed = _probe_get(engine, raw_server(servers.endless_body).url)

    assert get.status == 200
    assert get.body_truncated
    assert get.body_bytes == engine.config.max_body_bytes
    assert elapsed < ENDS_WITHIN
    _still_works(engine, echo)


def test_a_gzip_bomb_is_never_inflated(echo: EchoServer, raw_server: StartServer) -> None:
    server = raw_server(servers.gzip_bomb)
    servers.gzip_bomb_bytes()  # compress before measuring memory
    config = local_config(max_body_bytes=4096)

    with ProbeEngine(config) as engine:
        tracemalloc.start()
        try:
            get, _ = _probe_get(engine, server.url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        _still_works(engine, echo)

    assert get.status == 200
    assert get.header("content-encoding") == "gzip"
    assert get.body_truncated
    assert get.body_bytes == 4096
    assert peak < 8 << 20  # inflating would take 16 MiB per probe


@pytest.mark.parametrize(
    ("behaviour", "detail"),
    [
        (servers.many_headers, "more than 100 header fields"),
        (servers.long_header_line, "too long"),
        (servers.invalid_status_line, "bad status line"),
        (servers.bad_chunked, "chunked"),
    ],
    ids=["10000-headers", "long-header-line", "invalid-status-line", "bad-chunked-framing"],
)
def test_malformed_answers_end_as_protocol_errors(
    engine: ProbeEngine,
    echo: EchoServer,
    raw_server: StartServer,
    behaviour: RawBehaviour,
    detail: str,
) -> None:
    get, elapsed = _probe_get(engine, raw_server(behaviour).url)

    _failed_as(get, ErrorKind.PROTOCOL, detail)
    assert elapsed < ENDS_WITHIN
    _still_works(engine, echo)


def test_non_utf8_header_bytes_are_kept_readable(
    engine: ProbeEngine, echo: EchoServer, raw_server: StartServer
) -> None:
    get, _ = _probe_get(engine, raw_server(servers.non_utf8_headers).url)

    assert get.status == 200
    assert get.header("server") == "caf\ufffd \ufffd\ufffd"
    assert get.header("location") == "/café"
    _still_works(engine, echo)


def test_a_server_that_closes_at_once_ends_as_refused(
    engine: ProbeEngine, echo: EchoServer, raw_server: StartServer
) -> None:
    get, elapsed = _probe_get(engine, raw_server(servers.close_at_once).url)

    assert get.error_kind is ErrorKind.REFUSED, get.error
    assert "closed the connection" in (get.error or "")
    assert elapsed < ENDS_WITHIN
    _still_works(engine, echo)


def test_a_refused_port_ends_as_refused(engine: ProbeEngine, echo: EchoServer) -> None:
    port = servers.refused_port()

    report = engine.probe(Target(f"http://127.0.0.1:{port}/"))

    assert {o.error_kind for o in report.observations} == {ErrorKind.REFUSED}
    assert f"127.0.0.1:{port} refused the connection" in (report.observations[0].error or "")
    _still_works(engine, echo)


def test_every_probe_of_a_hostile_target_ends(
    engine: ProbeEngine, echo: EchoServer, raw_server: StartServer
) -> None:
    server = raw_server(servers.slow_body)

    started = time.perf_counter()
    report = engine.probe(Target(server.url))

    assert len(report.observations) == 13
    head = report.get("HEAD")
    assert head is not None
    assert head.status == 200  # a HEAD answer ends with its headers
    assert {o.error_kind for o in report.observations if o is not head} == {ErrorKind.TIMEOUT}
    assert time.perf_counter() - started < ENDS_WITHIN
    _still_works(engine, echo)
