"""Cell colours say what an answer means (issue: "colours lie")."""

from diagnoser.analysis.model import Basis, MethodCell, Verdict
from diagnoser.presentation.cells import Cell
from diagnoser.probing.model import Observation, ProbeKind


def _cell(observation: Observation, verdict: Verdict | None = None) -> Cell:
    method_cell = None
    if verdict is not None:
        method_cell = MethodCell(observation.method, verdict, observation.status, observed=True)
    return Cell(observation.probe, "", observation, method_cell, None)


def test_a_412_to_the_guarded_probe_is_coloured_as_accepted() -> None:
    put = Observation("PUT", ProbeKind.PLAIN, "PUT", status=412)
    assert _cell(put, Verdict.ACCEPTED).status_css == "s2xx"


def test_a_404_stays_a_4xx() -> None:
    patch = Observation("PATCH", ProbeKind.PLAIN, "PATCH", status=404)
    assert _cell(patch, Verdict.NOT_FOUND).status_css == "s4xx"


def test_the_made_up_verb_refused_is_the_right_answer_not_an_error() -> None:
    for status in (405, 501):
        made_up = Observation("XDIAGNOSE", ProbeKind.PLAIN, "XDIAGNOSE", status=status)
        assert _cell(made_up).status_css == "sright"


def test_a_preflight_200_without_cors_headers_is_a_failure() -> None:
    bare = Observation("preflight:PUT", ProbeKind.PREFLIGHT, "PUT", status=200)
    assert _cell(bare).status_css == "s4xx"


def test_a_preflight_that_allows_the_origin_and_method_is_green() -> None:
    allowed = Observation(
        "preflight:PUT",
        ProbeKind.PREFLIGHT,
        "PUT",
        status=204,
        headers=(
            ("access-control-allow-origin", "https://app.example"),
            ("access-control-allow-methods", "GET, PUT"),
        ),
    )
    assert _cell(allowed).status_css == "s2xx"


def test_a_cell_observed_on_a_phantom_id_says_so() -> None:
    verdict = MethodCell(
        "PATCH",
        Verdict.ACCEPTED,
        412,
        observed=False,
        source="PATCH on /items/9123 answered 412",
        basis=Basis.PHANTOM,
    )
    cell = Cell("PATCH", "", None, verdict, None)

    assert cell.inferred_text == "accepted (phantom id)"
    assert "id that cannot exist" in cell.inferred_title
