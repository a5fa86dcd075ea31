"""The engine sends the safe policy's phantom probes where the plan says, guarded, and
never lets a template lead the target's headers to another host."""

from dataclasses import replace

from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ErrorKind, ProbePolicy, Target

from .servers import EchoServer, echo_url


def _templated(echo: EchoServer) -> Target:
    return Target(
        url=echo_url(echo, "/items/7"),
        policy=ProbePolicy.SAFE,
        template=echo_url(echo, "/items/{id}"),
        samples=(("id", "7"),),
        headers=(("Authorization", "Bearer secret-token-1"),),
    )


def test_phantom_probes_go_to_the_phantom_id_guarded_and_the_rest_to_the_url(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    report = engine.probe(_templated(echo))

    paths = {(r["method"], r["path"]) for r in echo.stats.requests}
    phantom_paths = {path for method, path in paths if method in ("PATCH", "DELETE")}
    assert len(phantom_paths) == 1
    (phantom_path,) = phantom_paths
    assert phantom_path.startswith("/items/9")
    assert ("GET", phantom_path) in paths
    assert ("GET", "/items/7") in paths
    assert not any(path == "/items/7" for method, path in paths if method in ("PATCH", "DELETE"))
    for request in echo.stats.by_method("PATCH") + echo.stats.by_method("DELETE"):
        headers = dict(request["headers"])
        assert headers["If-Match"] == '"diagnoser-probe-precondition"'
        assert request["body"] == ""
    phantom = report.get("phantom:PATCH")
    assert phantom is not None
    assert phantom.url == echo_url(echo, phantom_path)
    get = report.get("GET")
    assert get is not None
    assert get.url == ""


def test_a_template_on_another_host_is_refused_before_anything_is_sent(
    engine: ProbeEngine, echo: EchoServer
) -> None:
    target = replace(_templated(echo), template="http://127.0.0.2:9/items/{id}")

    report = engine.probe(target)

    assert echo.stats.requests == []
    assert {o.error_kind for o in report.observations} == {ErrorKind.BLOCKED}
    assert "own scheme, host and port" in report.notes[0]
