"""bench/accuracy.py scores a diagnosis against corpus.py as its docstring says: checked
on hand-built diagnoses, so a scoring slip can't pass for an analysis figure."""

from typing import Any

import pytest

from bench import accuracy
from diagnoser.analysis.model import (
    Diagnosis,
    Evidence,
    Finding,
    MethodCell,
    MethodMatrix,
    Severity,
    Verdict,
)
from diagnoser.probing.model import ProbePolicy
from tests.servers.corpus import CASES, Case

FLASK_ITEMS = next(c for c in CASES if (c.stack, c.path) == ("flask", "/items"))
PYRAMID_ITEMS = next(c for c in CASES if (c.stack, c.path) == ("pyramid", "/items"))


def finding(rule: str, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(rule, severity, rule, "", Evidence(), ())


def diagnosis(case: Case, *findings: Finding, **cells: MethodCell) -> Diagnosis:
    matrix = tuple(
        cells.get(verb, MethodCell(verb, Verdict.ACCEPTED, status, observed=True))
        for verb, status in case.matrix.items()
    )
    return Diagnosis(matrix=MethodMatrix(cells=matrix), findings=findings)


def test_findings_count_as_true_false_positive_and_missed() -> None:
    tally = accuracy.Tally()
    found = diagnosis(
        PYRAMID_ITEMS,
        finding("method_falls_to_404"),
        finding("options_not_supported", Severity.ERROR),
        finding("unknown_method_not_501", Severity.INFO),  # info: neither counted nor missed
    )
    accuracy.score(PYRAMID_ITEMS, found, origin=True, policy=ProbePolicy.FULL, tally=tally)
    # With the origin declared, pyramid (no CORS) also needs cors_not_enabled.
    assert (tally.true_pos, tally.false_pos, tally.false_neg) == (1, 1, 1)
    assert tally.silences_broken == 1  # options_not_supported is a declared silence there
    assert tally.cells_right == tally.cells == 8


def test_precondition_ignored_breaks_a_silence_at_any_severity() -> None:
    tally = accuracy.Tally()
    found = diagnosis(FLASK_ITEMS, finding("precondition_ignored", Severity.INFO))
    accuracy.score(FLASK_ITEMS, found, origin=False, policy=ProbePolicy.FULL, tally=tally)
    assert tally.silences_broken == 1
    assert (tally.true_pos, tally.false_pos, tally.false_neg) == (0, 0, 0)


def test_a_wrong_matrix_cell_is_a_miss() -> None:
    tally = accuracy.Tally()
    wrong = MethodCell("PUT", Verdict.ACCEPTED, 200, observed=True)
    accuracy.score(
        FLASK_ITEMS,
        diagnosis(FLASK_ITEMS, PUT=wrong),
        origin=False,
        policy=ProbePolicy.FULL,
        tally=tally,
    )
    assert (tally.cells_right, tally.cells) == (7, 8)
    assert any("matrix PUT" in m for m in tally.misses["flask /items"])


def test_safe_inference_is_right_wrong_or_unknown_against_the_real_verdict() -> None:
    tally = accuracy.Tally()
    cells = {
        "POST": MethodCell("POST", Verdict.ACCEPTED, None, observed=False, source="Allow"),
        "PUT": MethodCell("PUT", Verdict.ACCEPTED, None, observed=False, source="Allow"),
        "PATCH": MethodCell("PATCH", Verdict.UNKNOWN, None, observed=False),
        "DELETE": MethodCell("DELETE", Verdict.REJECTED, None, observed=False, source="Allow"),
        "TRACE": MethodCell("TRACE", Verdict.REJECTED, None, observed=False, source="Allow"),
    }
    found = diagnosis(FLASK_ITEMS, **cells)
    accuracy.score(FLASK_ITEMS, found, origin=False, policy=ProbePolicy.SAFE, tally=tally)
    # Flask /items: POST 201 (accepted), PUT/PATCH/DELETE/TRACE 405 (rejected).
    assert dict(tally.safe) == {"right": 3, "wrong": 1, "unknown": 1}
    assert tally.cells == 0  # the matrix is only scored under the full policy


def test_answer_causes_are_na_without_answer_for_and_scored_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(accuracy, "find_answer_for", lambda: None)
    tally = accuracy.Tally()
    found = diagnosis(FLASK_ITEMS)
    accuracy.score(FLASK_ITEMS, found, origin=False, policy=ProbePolicy.FULL, tally=tally)
    assert (tally.causes_na, tally.causes_right, tally.causes_wrong) == (2, 0, 0)

    def answer_for(diagnosis: Diagnosis, method: str) -> dict[str, Any]:
        return {"cause": "method_not_supported" if method == "PATCH" else "trace_enabled"}

    monkeypatch.setattr(accuracy, "find_answer_for", lambda: answer_for)
    tally = accuracy.Tally()
    accuracy.score(FLASK_ITEMS, found, origin=False, policy=ProbePolicy.FULL, tally=tally)
    # PATCH: method_not_supported (right); GET works, so its cause must be None (wrong).
    assert (tally.causes_right, tally.causes_wrong) == (1, 1)
