"""The endpoint matrix view-model, built from real probe reports without HTTP views."""

import pytest

from diagnoser.analysis.diagnose import diagnose
from diagnoser.inventory.models import Environment
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.presentation.build import build_matrix
from diagnoser.presentation.tables import Column
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbePolicy, ProbeReport, Target
from tests.monitoring.fixtures import LOOPBACK


@pytest.fixture
def reports(specimens, settings):
    settings.DIAGNOSER_ALLOW_NETWORKS = LOOPBACK

    def probe(env: str, policy: ProbePolicy) -> ProbeReport:
        with ProbeEngine(engine_config()) as engine:
            return engine.probe(Target(url=f"{specimens.url(env)}/items/0", policy=policy))

    return probe


def _column(name: str, report: ProbeReport | None) -> Column:
    matrix = diagnose(report).matrix if report else None
    return Column(environment=Environment(name=name), report=report, matrix=matrix)


def test_rows_are_the_verbs_the_made_up_verb_then_the_preflights(reports):
    matrix = build_matrix([_column("staging", reports("staging", ProbePolicy.FULL))])

    assert [row.probe for row in matrix.rows] == [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "XDIAGNOSE",
        "preflight:POST", "preflight:PUT", "preflight:PATCH", "preflight:DELETE",
    ]  # fmt: skip
    assert [row.probe for row in matrix.rows if row.group_start] == ["preflight:POST"]


def test_each_row_has_one_cell_per_environment_with_its_status(reports):
    matrix = build_matrix(
        [
            _column("staging", reports("staging", ProbePolicy.FULL)),
            _column("prod", reports("prod", ProbePolicy.FULL)),
        ]
    )
    patch = next(row for row in matrix.rows if row.probe == "PATCH")

    assert [cell.column for cell in patch.probe_cells] == ["staging", "prod"]
    assert [cell.status for cell in patch.probe_cells] == [412, 405]
    assert patch.probe_cells[1].compact_headers == [("allow", "GET, HEAD, PUT, DELETE, OPTIONS")]


def test_preflight_cells_show_access_control_allow_methods_not_allow(reports):
    matrix = build_matrix([_column("staging", reports("staging", ProbePolicy.FULL))])
    preflight = next(row for row in matrix.rows if row.probe == "preflight:PUT").probe_cells[0]

    assert preflight.status == 204
    assert preflight.compact_headers == [
        ("access-control-allow-methods", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS")
    ]


def test_safe_policy_cells_are_inferred_and_say_from_what(reports):
    matrix = build_matrix([_column("prod", reports("prod", ProbePolicy.SAFE))])
    put = next(row for row in matrix.rows if row.probe == "PUT").probe_cells[0]
    patch = next(row for row in matrix.rows if row.probe == "PATCH").probe_cells[0]

    assert put.observation is None
    assert put.inferred
    assert put.inferred_verdict == "accepted"
    assert put.verdict is not None
    assert "Allow" in put.verdict.source
    assert patch.inferred_verdict == "rejected"


def test_observed_cells_know_which_layer_answered(reports):
    matrix = build_matrix([_column("staging", reports("staging", ProbePolicy.FULL))])
    get = matrix.rows[0].probe_cells[0]

    assert not get.inferred
    assert get.layer is not None
    assert get.layer.label


def test_an_environment_without_a_run_gives_empty_cells(reports):
    matrix = build_matrix(
        [_column("staging", reports("staging", ProbePolicy.FULL)), _column("dev", None)]
    )

    assert all(row.probe_cells[1].observation is None for row in matrix.rows)
    assert not any(row.probe_cells[1].inferred for row in matrix.rows)
