"""What the safe policy adds to a stored run survives storage: a cell's basis and where a
phantom probe went."""

from diagnoser.analysis.model import Basis, MethodCell, MethodMatrix, Verdict
from diagnoser.monitoring.serialize import (
    matrix_from_json,
    matrix_to_json,
    observation_from_json,
    observation_to_json,
)
from diagnoser.probing.model import Observation, ProbeKind


def test_a_phantom_cell_keeps_its_basis_through_storage() -> None:
    matrix = MethodMatrix(
        cells=(
            MethodCell("GET", Verdict.ACCEPTED, 200, True),
            MethodCell("PATCH", Verdict.ACCEPTED, 404, False, "handler 404", basis=Basis.PHANTOM),
            MethodCell("PUT", Verdict.UNKNOWN, None, False, "FastAPI Allow"),
        )
    )

    again = matrix_from_json(matrix_to_json(matrix))

    assert [c.basis for c in again.cells] == [Basis.OBSERVED, Basis.PHANTOM, Basis.INFERRED]
    assert again == matrix


def test_a_matrix_stored_before_cells_had_a_basis_derives_it_from_observed() -> None:
    stored = matrix_to_json(MethodMatrix(cells=(MethodCell("PUT", Verdict.REJECTED, None, False),)))
    for cell in stored["cells"]:
        del cell["basis"]

    assert matrix_from_json(stored).cells[0].basis is Basis.INFERRED


def test_a_phantom_observation_keeps_its_url_and_older_rows_read_without_one() -> None:
    phantom = Observation(
        "phantom:PATCH", ProbeKind.PHANTOM, "PATCH", 404, url="http://a.test/items/9123"
    )
    old = observation_to_json(Observation("GET", ProbeKind.PLAIN, "GET", 200))
    del old["url"]

    assert observation_from_json(observation_to_json(phantom)) == phantom
    assert observation_from_json(old).url == ""
