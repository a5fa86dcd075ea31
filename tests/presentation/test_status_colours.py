"""Cell colours say what an answer means, through the verdict table the strips and the
legend use, not the status range (issue: "colours lie")."""

from diagnoser.analysis.model import Basis, MethodCell, Verdict
from diagnoser.presentation.cells import Cell
from diagnoser.presentation.verdicts import verdict_class
from diagnoser.probing.model import Observation, ProbeKind


def _cell(observation: Observation, verdict: Verdict | None = None) -> Cell:
    method_cell = None
    if verdict is not None:
        method_cell = MethodCell(observation.method, verdict, observation.status, observed=True)
    return Cell(observation.probe, "", observation, method_cell, None)


def test_a_412_to_the_guarded_probe_is_coloured_as_accepted() -> None:
    put = Observation("PUT", ProbeKind.PLAIN, "PUT", status=412)
    assert _cell(put, Verdict.ACCEPTED).status_css == "v-accepted"


def test_a_404_and_a_403_are_told_apart() -> None:
    patch = Observation("PATCH", ProbeKind.PLAIN, "PATCH", status=404)
    delete = Observation("DELETE", ProbeKind.PLAIN, "DELETE", status=403)

    assert _cell(patch, Verdict.NOT_FOUND).status_css == "v-missing"
    assert _cell(delete, Verdict.FORBIDDEN).status_css == "v-forbidden"


def test_every_matrix_cell_takes_its_verdicts_colour_from_the_strips_table() -> None:
    for verdict, status in [
        (Verdict.ACCEPTED, 200),
        (Verdict.REJECTED, 405),
        (Verdict.NOT_FOUND, 404),
        (Verdict.FORBIDDEN, 403),
        (Verdict.ERROR, 500),
        (Verdict.FAILED, None),
        (Verdict.UNKNOWN, 429),
    ]:
        put = Observation("PUT", ProbeKind.PLAIN, "PUT", status=status)
        assert _cell(put, verdict).status_css == verdict_class(verdict), verdict


def test_a_501_to_a_real_method_is_a_rejection_not_a_server_error() -> None:
    patch = Observation("PATCH", ProbeKind.PLAIN, "PATCH", status=501)
    assert _cell(patch, Verdict.REJECTED).status_css == "v-rejected"


def test_the_made_up_verb_refused_is_the_right_answer_not_an_error() -> None:
    for status in (405, 501):
        made_up = Observation("XDIAGNOSE", ProbeKind.PLAIN, "XDIAGNOSE", status=status)
        cell = _cell(made_up)
        assert cell.status_css == "v-right"
        assert cell.status_title.endswith("a made-up verb refused, as RFC 9110 asks")


def test_a_preflight_200_without_cors_headers_is_a_failure() -> None:
    bare = Observation("preflight:PUT", ProbeKind.PREFLIGHT, "PUT", status=200)
    cell = _cell(bare)

    assert cell.status_css == "v-rejected"
    assert "without the Access-Control-Allow-Origin" in cell.status_title


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
    assert _cell(allowed).status_css == "v-accepted"


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
