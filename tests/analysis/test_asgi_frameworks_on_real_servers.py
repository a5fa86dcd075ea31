"""Litestar and Sanic, run for real: neither is Starlette, though Litestar runs under
uvicorn and Sanic sends no Server header. Their own error bodies name them, so the
answer's fix is theirs, and an OPTIONS Allow that leaves out a served method is one
finding, not two."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagnoser.analysis.answer import answer_for
from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.model import Diagnosis
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbePolicy, Target
from tests.servers import litestar_app
from tests.servers.fixtures import Server, free_port, serving_process, serving_with_uvicorn


@pytest.fixture(scope="module")
def litestar_server() -> Iterator[Server]:
    with serving_with_uvicorn("litestar", litestar_app.app) as server:
        yield server


@pytest.fixture(scope="module")
def sanic_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    argv = [sys.executable, "-m", "tests.servers.sanic_app", str(port)]
    workdir = Path(tmp_path_factory.mktemp("sanic"))
    with serving_process("sanic", argv, port=port, workdir=workdir) as server:
        yield server


def _patch(engine: ProbeEngine, server: Server, policy: ProbePolicy) -> Diagnosis:
    """Why PATCH fails on /items/{id}; the safe policy sends it to a phantom id only."""
    target = Target(
        url=server.base_url + "/items/5",
        template=server.base_url + "/items/{id}",
        samples=(("id", "5"),),
        policy=policy,
    )
    return diagnose(engine.probe(target), method="PATCH")


@pytest.mark.parametrize("policy", [ProbePolicy.FULL, ProbePolicy.SAFE])
def test_litestar_is_named_with_its_own_fix_not_fastapis(loopback_engine, litestar_server, policy):
    answer = answer_for(_patch(loopback_engine, litestar_server, policy), "PATCH")

    assert (answer.status, answer.cause) == (405, "method_not_supported")
    assert "Litestar" in answer.sentence
    assert "FastAPI" not in answer.sentence + answer.fix
    assert "@patch(path)" in answer.fix


def test_litestars_incomplete_options_allow_is_one_finding(loopback_engine, litestar_server):
    diagnosis = _patch(loopback_engine, litestar_server, ProbePolicy.FULL)
    rules = [f.rule for f in diagnosis.findings]

    assert "allowed_method_missing_from_allow" in rules
    assert "inconsistent_allow" not in rules
    missing = next(f for f in diagnosis.findings if f.rule == "allowed_method_missing_from_allow")
    assert missing.evidence.methods == ("DELETE",)
    assert any("Litestar" in step for step in missing.fix)
    head = next(f for f in diagnosis.findings if f.rule == "head_not_supported")
    assert any("@head(path)" in step for step in head.fix)


@pytest.mark.parametrize("policy", [ProbePolicy.FULL, ProbePolicy.SAFE])
def test_sanic_is_named_from_its_error_page(loopback_engine, sanic_server, policy):
    answer = answer_for(_patch(loopback_engine, sanic_server, policy), "PATCH")

    assert (answer.status, answer.cause) == (405, "method_not_supported")
    assert "Sanic" in answer.sentence
    assert "methods=[...]" in answer.fix


def test_under_the_safe_policy_litestar_is_not_read_as_fastapi(loopback_engine, litestar_server):
    """Its 405 body says Litestar, though uvicorn's Server header suggests Starlette: the
    unsent verbs are read from its Allow lists, and where they disagree (OPTIONS leaves
    out POST, served) the verb stays unknown."""
    report = loopback_engine.probe(
        Target(url=litestar_server.base_url + "/items", policy=ProbePolicy.SAFE)
    )
    cells = {cell.method: cell for cell in diagnose(report).matrix.cells}

    assert cells["PUT"].verdict.value == "rejected"
    assert cells["DELETE"].verdict.value == "rejected"
    assert cells["POST"].verdict.value == "unknown"
    assert "disagree" in cells["POST"].source
    assert not any("FastAPI" in cell.source for cell in cells.values())
