"""The engine against a well-behaved local server: what it sends, what it records, how
concurrently it works."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from diagnoser.probing.engine import PRECONDITION, ProbeEngine
from diagnoser.probing.model import (
    DEFAULT_ORIGIN,
    ErrorKind,
    Observation,
    ProbeKind,
    ProbePolicy,
    Target,
)

from .servers import EchoServer, echo_url, local_config

SECRETS = (("Authorization", "Bearer s3cret"), ("Cookie", "session=abc"))


def _excerpt(observation: Observation | None) -> str:
    assert observation is not None
    assert observation.body_excerpt, observation
    return observation.body_excerpt


def _sent(observation: Observation | None) -> dict[str, str]:
    """The headers the echo server received for this probe, names lower-cased."""
    received = json.loads(_excerpt(observation))
    return {name.lower(): value for name, value in received["headers"]}


def _report(engine: ProbeEngine, server: EchoServer, path: str = "/", **target: Any) -> Any:
    return engine.probe(Target(echo_url(server, path), **target))


def test_it_sends_every_verb_and_preflight_and_records_answers(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = _report(engine, echo)

    assert [o.probe for o in report.observations] == [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "XDIAGNOSE",
        "preflight:POST", "preflight:PUT", "preflight:PATCH", "preflight:DELETE",
    ]  # fmt: skip
    assert all(o.status == 200 and o.error_kind is None for o in report.observations)
    assert sorted(r["method"] for r in echo.stats.requests) == sorted(
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE", "XDIAGNOSE"] + ["OPTIONS"] * 5
    )
    assert report.elapsed_ms > 0
    assert all(o.elapsed_ms > 0 and o.peer_address == "127.0.0.1" for o in report.observations)


def test_safe_policy_sends_no_unsafe_verb(engine: ProbeEngine, echo: EchoServer) -> None:
    report = _report(engine, echo, policy=ProbePolicy.SAFE)

    sent = {r["method"] for r in echo.stats.requests}
    assert sent == {"GET", "HEAD", "OPTIONS", "TRACE", "XDIAGNOSE"}
    assert [o.probe for o in report.preflights()] == [
        "preflight:POST", "preflight:PUT", "preflight:PATCH", "preflight:DELETE",
    ]  # fmt: skip


def test_unsafe_verbs_go_empty_with_a_precondition_and_the_user_agent(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = _report(engine, echo)

    for method in ("POST", "PUT", "PATCH", "DELETE"):
        observation = report.get(method)
        sent = _sent(observation)
        assert sent["content-length"] == "0"
        assert sent["if-match"] == PRECONDITION
        assert sent["user-agent"].startswith("diagnoser/")
        assert sent["accept-encoding"] == "identity"
    assert all(r["body"] == "" for r in echo.stats.requests)


def test_plain_probes_carry_extra_headers_and_the_origin(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = _report(engine, echo, headers=SECRETS, origin="https://app.example")

    [received] = echo.stats.by_method("GET")
    sent = {name.lower(): value for name, value in received["headers"]}
    assert sent["authorization"] == "Bearer s3cret"
    assert sent["cookie"] == "session=abc"
    assert sent["origin"] == "https://app.example"
    assert _sent(report.get("GET"))["authorization"] == "[redacted]"  # echoed, then scrubbed


def test_plain_probes_carry_no_origin_when_none_is_set(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = _report(engine, echo)

    assert "origin" not in _sent(report.get("GET"))


def test_trace_carries_no_credentials_or_cookies(engine: ProbeEngine, echo: EchoServer) -> None:
    report = _report(engine, echo, headers=SECRETS)

    [trace] = echo.stats.by_method("TRACE")
    names = {name.lower() for name, _ in trace["headers"]}
    assert "authorization" not in names
    assert "cookie" not in names
    assert "s3cret" not in json.dumps(report.get("TRACE").request_headers)


def test_preflights_ask_like_a_browser_and_send_no_credentials(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = _report(engine, echo, headers=SECRETS)

    for observation in report.preflights():
        sent = _sent(observation)
        assert sent["origin"] == DEFAULT_ORIGIN
        assert sent["access-control-request-method"] == observation.method
        assert sent["access-control-request-headers"] == "authorization,content-type,cookie"
        assert "authorization" not in sent
        assert "cookie" not in sent
        assert observation.kind is ProbeKind.PREFLIGHT


def test_preflights_use_the_target_origin(engine: ProbeEngine, echo: EchoServer) -> None:
    report = _report(engine, echo, origin="https://app.example")

    assert _sent(report.get("preflight:PUT"))["origin"] == "https://app.example"


def test_recorded_request_headers_redact_extra_header_values(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = _report(engine, echo, headers=SECRETS)

    recorded = dict(report.get("PUT").request_headers)
    assert recorded["Authorization"] == "[redacted]"
    assert recorded["Cookie"] == "[redacted]"
    assert recorded["If-Match"] == PRECONDITION
    assert "s3cret" not in repr([o.request_headers for o in report.observations])


def test_it_keeps_no_cookie_a_server_sets(engine: ProbeEngine, echo: EchoServer) -> None:
    _report(engine, echo, "/?cookie=1")
    _report(engine, echo, "/?cookie=1")

    assert echo.stats.requests
    for request in echo.stats.requests:
        assert "cookie" not in {name.lower() for name, _ in request["headers"]}


def test_it_keeps_only_the_headers_that_matter_and_joins_repeats(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    get = _report(engine, echo).get("GET")

    assert get.header("Allow") == "GET, HEAD, OPTIONS"
    assert get.header("vary") == "Origin, Accept-Encoding"
    assert get.header("x-not-kept") is None
    assert all(name == name.lower() for name, _ in get.headers)


def test_it_records_a_redirect_without_following_it(engine: ProbeEngine, echo: EchoServer) -> None:
    report = _report(engine, echo, "/old?status=301&location=/new")

    get = report.get("GET")
    assert get.status == 301
    assert get.header("location") == "/new"
    assert all(r["path"].startswith("/old") for r in echo.stats.requests)


def test_it_caps_the_body_and_keeps_a_short_excerpt(echo: EchoServer) -> None:
    with ProbeEngine(local_config(max_body_bytes=100, excerpt_chars=10)) as engine:
        get = _report(engine, echo).get("GET")

    assert get.body_truncated
    assert get.body_bytes == 100
    assert get.body_excerpt == '{"method":'


def test_head_has_no_body(engine: ProbeEngine, echo: EchoServer) -> None:
    head = _report(engine, echo).get("HEAD")

    assert head.status == 200
    assert head.body_bytes == 0
    assert not head.body_truncated


def test_it_fills_path_placeholders_with_values_that_point_at_nothing(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = _report(engine, echo, "/users/{id}/keys/{key_uuid}")

    assert report.get("GET").status == 200
    assert {r["path"] for r in echo.stats.requests} == {
        "/users/0/keys/00000000-0000-0000-0000-000000000000"
    }


def test_an_invalid_target_ends_as_blocked_observations_without_traffic(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = engine.probe(Target("ftp://127.0.0.1/"))

    assert len(report.observations) == 13
    assert all(o.error_kind is ErrorKind.BLOCKED for o in report.observations)
    assert "http://" in (report.observations[0].error or "")
    assert echo.stats.requests == []


def test_a_header_that_smuggles_a_line_break_is_refused(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = _report(engine, echo, headers=(("X-A", "1\r\nX-Injected: yes"),))

    assert {o.error_kind for o in report.observations} == {ErrorKind.BLOCKED}
    assert echo.stats.requests == []


def test_all_probes_of_a_target_run_at_once(engine: ProbeEngine, echo: EchoServer) -> None:
    started = time.perf_counter()
    report = _report(engine, echo, "/?sleep=0.3")
    wall = time.perf_counter() - started

    assert all(o.status == 200 for o in report.observations)
    assert wall < 2.5  # one after another would take 13 x 0.3 = 3.9 s
    assert echo.stats.max_in_flight > 1


def test_it_respects_the_per_host_concurrency_cap(echo: EchoServer) -> None:
    with ProbeEngine(local_config(per_host_concurrency=3)) as engine:
        report = _report(engine, echo, "/?sleep=0.05")

    assert all(o.status == 200 for o in report.observations)
    assert 1 < echo.stats.max_in_flight <= 3
    assert echo.stats.connections <= 3


def test_it_reuses_kept_alive_connections(echo: EchoServer) -> None:
    with ProbeEngine(local_config(per_host_concurrency=2)) as engine:
        for _ in range(3):
            _report(engine, echo)

    assert len(echo.stats.requests) == 39
    assert echo.stats.connections <= 2


def test_probe_many_returns_reports_in_input_order(engine: ProbeEngine, echo: EchoServer) -> None:
    paths = [f"/item/{n}" for n in range(20)]
    reports = engine.probe_many(Target(echo_url(echo, path)) for path in paths)

    assert [r.target.url for r in reports] == [echo_url(echo, path) for path in paths]
    for report, path in zip(reports, paths, strict=True):
        assert json.loads(_excerpt(report.get("GET")))["path"] == path


def _new_connections(engine: ProbeEngine, echo: EchoServer, target: Target) -> int:
    echo.stats.reset()
    engine.probe(target)
    return echo.stats.connections


def test_targets_of_different_scopes_or_headers_never_share_a_connection(
    echo: EchoServer,
) -> None:
    mine = Target(echo_url(echo), policy=ProbePolicy.STRICT, scope="service:1")
    # One request at a time: each probe reuses the connection the last one left open.
    with ProbeEngine(local_config(per_host_concurrency=1)) as engine:
        fresh = _new_connections(engine, echo, mine)
        again = _new_connections(engine, echo, mine)
        other_scope = _new_connections(engine, echo, replace(mine, scope="service:2"))
        other_headers = _new_connections(engine, echo, replace(mine, headers=(("X-Key", "k"),)))

    assert again < fresh  # the same scope and headers start on their kept-alive connection
    assert other_scope == fresh  # another scope starts as if nothing had run before
    assert other_headers == fresh
