"""The one cell model every diagnosis table is drawn from: words, hover texts and
colour classes decided once, for every page."""

import pytest

from diagnoser.analysis.model import MethodCell, MethodMatrix, Verdict
from diagnoser.presentation.build import probe_cells, probe_table
from diagnoser.presentation.cells import cell_for
from diagnoser.presentation.tables import Text
from diagnoser.presentation.verdicts import VERDICT_GLOSSARY, status_class, verdict_label
from diagnoser.probing.model import ErrorKind, Observation, ProbeKind

MATRIX = MethodMatrix(
    cells=(
        MethodCell("PATCH", Verdict.REJECTED, 405, observed=True),
        MethodCell("PUT", Verdict.NOT_FOUND, None, observed=False, source="Allow of OPTIONS"),
    ),
    allow="GET, HEAD",
)
PATCH = Observation(
    probe="PATCH",
    kind=ProbeKind.PLAIN,
    method="PATCH",
    status=405,
    reason="Method Not Allowed",
    headers=(("allow", "GET, HEAD"), ("server", "nginx/1.25.3")),
)


def test_every_verdict_has_a_label_a_hint_and_an_answer():
    assert set(VERDICT_GLOSSARY) == set(Verdict)
    assert all(g.label and g.hint for g in VERDICT_GLOSSARY.values())
    assert verdict_label(Verdict.NOT_FOUND) == verdict_label("not_found") == "not found"


@pytest.mark.parametrize(
    ("status", "css"), [(None, "sfail"), (200, "s2xx"), (301, "s3xx"), (405, "s405"), (501, "s5xx")]
)
def test_status_classes(status, css):
    assert status_class(status) == css


def test_an_answered_plain_method_says_its_code_reason_and_verdict():
    cell = cell_for("PATCH", observation=PATCH, matrix=MATRIX)

    assert (cell.status_text, cell.status_css) == ("405", "v-rejected")
    assert cell.status_title == "405 Method Not Allowed: rejected"
    assert cell.allow == "GET, HEAD"
    assert cell.layer is not None
    assert "nginx" in cell.layer_label


def test_a_probe_without_answer_says_failed_and_why():
    failed = Observation(
        probe="preflight:PATCH",
        kind=ProbeKind.PREFLIGHT,
        method="PATCH",
        error_kind=ErrorKind.TIMEOUT,
        error="read timed out",
        url="https://api.example.com/items/1",
    )
    cell = cell_for("preflight:PATCH", observation=failed, matrix=MATRIX)

    assert (cell.status_text, cell.status_css) == ("failed: timeout", "v-error")
    assert cell.status_title == (
        "No answer from api.example.com:443 in time — is it reachable, or just slow?"
    )
    assert cell.failure.raw == "read timed out"
    assert cell.verdict is None
    assert cell.layer is None


def test_an_inferred_method_says_its_verdict_in_words_and_from_what():
    cell = cell_for("PUT", observation=None, matrix=MATRIX)

    assert cell.inferred
    assert cell.inferred_text == "not found (inferred)"
    assert cell.inferred_title == "Not sent (safe policy): inferred from Allow of OPTIONS"


def test_the_diagnose_table_lists_probes_sent_then_methods_inferred():
    table = probe_table(probe_cells([PATCH], MATRIX))

    assert [row.probe for row in table.rows] == ["PATCH", "PUT"]
    assert [h.text for h in table.headings][-1] == "ms"
    put = table.rows[1]
    assert put.probe_cells[0].inferred
    verdict = put.cells[1]
    assert isinstance(verdict, Text)
    assert verdict.text == "inferred"
