"""A target's runs as strips: a cell per run, placed so the newest is at the right end,
coloured by verdict, with when, status and verdict in its tooltip."""

from datetime import UTC, datetime, timedelta

from diagnoser.analysis.model import Basis, MethodCell, MethodMatrix, Verdict
from diagnoser.inventory.models import Environment
from diagnoser.monitoring.selectors import RunMatrix
from diagnoser.presentation.strips import SLOT, set_change_lines, strip_for
from diagnoser.presentation.verdicts import verdict_legend

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PROD = Environment(id=1, name="prod")
STAGING = Environment(id=2, name="staging")


def _runs(*verdicts: tuple[Verdict, int | None]) -> list[RunMatrix]:
    return [
        RunMatrix(
            run_id=100 + i,
            finished_at=START + timedelta(minutes=15 * i),
            matrix=MethodMatrix(cells=(MethodCell("PATCH", verdict, status, observed=True),)),
        )
        for i, (verdict, status) in enumerate(verdicts)
    ]


def _patch(strip):
    return next(row for row in strip.methods if row.method == "PATCH")


def test_fewer_runs_than_slots_leave_the_left_of_the_strip_empty() -> None:
    strip = strip_for(PROD, _runs((Verdict.REJECTED, 405), (Verdict.ACCEPTED, 412)), slots=5)

    assert [cell.x for cell in _patch(strip).cells] == [3 * SLOT, 4 * SLOT]
    assert strip.width == 5 * SLOT
    assert strip.runs == 2


def test_only_the_newest_runs_fit_the_strip() -> None:
    runs = _runs(*[(Verdict.REJECTED, 405)] * 4, (Verdict.ACCEPTED, 200))

    cells = _patch(strip_for(PROD, runs, slots=3)).cells

    assert [cell.css for cell in cells] == ["v-rejected", "v-rejected", "v-accepted"]
    assert cells[-1].title == "2026-03-01 13:00, run 104: 200, accepted"


def test_each_verdict_has_its_matrix_colour_and_a_cell_without_an_answer_says_so() -> None:
    runs = _runs(
        (Verdict.FORBIDDEN, 403),
        (Verdict.NOT_FOUND, 404),
        (Verdict.ERROR, 500),
        (Verdict.FAILED, None),
    )

    cells = _patch(strip_for(PROD, runs)).cells

    assert [cell.css for cell in cells] == ["v-forbidden", "v-missing", "v-error", "v-error"]
    assert cells[3].title.endswith("run 103: no response, failed")


def test_a_method_the_run_did_not_send_says_how_its_verdict_was_reached() -> None:
    inferred = MethodCell("PATCH", Verdict.ACCEPTED, None, observed=False, basis=Basis.PHANTOM)
    run = RunMatrix(1, START, MethodMatrix(cells=(inferred,)))

    strip = strip_for(PROD, [run])

    assert _patch(strip).cells[0].title.endswith("not sent here, accepted (phantom)")
    get = next(row for row in strip.methods if row.method == "GET")
    assert get.cells[0].css == "v-unknown"
    assert get.cells[0].title.endswith("not in this run")


def test_no_runs_draw_no_strip() -> None:
    assert strip_for(PROD, []).methods == []


def test_set_changes_of_every_environment_are_listed_newest_first() -> None:
    prod = _runs((Verdict.REJECTED, 405), (Verdict.ACCEPTED, 412))
    staging = _runs((Verdict.ACCEPTED, 412), (Verdict.ACCEPTED, 412), (Verdict.REJECTED, 405))

    lines = set_change_lines([PROD, STAGING], {1: prod, 2: staging})

    assert [(line.environment.name, line.added, line.removed, line.run_id) for line in lines] == [
        ("staging", (), ("PATCH",), 102),
        ("prod", ("PATCH",), (), 101),
    ]


def test_the_legend_names_every_verdict_once_under_its_colour() -> None:
    legend = {entry.css: entry.label for entry in verdict_legend()}

    assert legend == {
        "v-accepted": "accepted",
        "v-missing": "redirected, not found",
        "v-forbidden": "auth required, forbidden",
        "v-rejected": "rejected",
        "v-error": "error, failed",
        "v-unknown": "unknown",
    }
