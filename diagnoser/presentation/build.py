"""Every page's diagnosis table, built from the one cell model.

The endpoint page and a run's permalink show a matrix (probes down, environments
across); the Diagnose page and a shared snapshot show one target, with the headers that
explain each answer in columns of their own.
"""

from collections.abc import Collection, Sequence
from typing import Any

from diagnoser.analysis.model import MethodMatrix
from diagnoser.monitoring.export import observation_from_document
from diagnoser.monitoring.serialize import matrix_from_json
from diagnoser.presentation.cells import Cell, cell_for
from diagnoser.presentation.tables import (
    Column,
    Heading,
    Row,
    Table,
    Text,
    declared_cell,
    declared_heading,
)
from diagnoser.probing.model import (
    PLAIN_METHODS,
    PREFLIGHT_METHODS,
    UNKNOWN_METHOD,
    Observation,
)

_FIRST_PREFLIGHT = f"preflight:{PREFLIGHT_METHODS[0]}"


def _probes(unknown: str) -> list[tuple[str, str, str]]:
    """(probe, label, hint) of every row, in the order a matrix shows them."""
    rows = [(m, m, f"{m} request to the URL") for m in PLAIN_METHODS]
    rows.append(
        (
            unknown,
            unknown,
            "a made-up verb: the server's answer to a method it does not know (501 expected)",
        )
    )
    rows += [
        (
            f"preflight:{m}",
            f"preflight {m}",
            f"CORS preflight: OPTIONS with Access-Control-Request-Method: {m}",
        )
        for m in PREFLIGHT_METHODS
    ]
    return rows


def build_matrix(
    columns: Sequence[Column],
    *,
    path: str = "",
    drifting: Collection[str] = (),
    declared: Sequence[str] = (),
    contract_source: str = "",
) -> Table:
    """The endpoint matrix: a row per probe, a column per environment, and with a
    contract first a "declared" column saying which methods the document declares; the
    rows of the `drifting` methods (answered differently by the environments) are marked."""
    unknown = next((c.report.unknown_method for c in columns if c.report), UNKNOWN_METHOD)

    def cell(probe: str, column: Column) -> Cell:
        observation = column.report.get(probe) if column.report else None
        return cell_for(probe, observation=observation, matrix=column.matrix, column=column.name)

    rows = [
        Row(
            probe,
            label,
            hint,
            [
                *([declared_cell(probe, declared)] if declared else []),
                *(cell(probe, column) for column in columns),
            ],
            group_start=probe == _FIRST_PREFLIGHT,
            drifting=probe in drifting,
        )
        for probe, label, hint in _probes(unknown)
    ]
    contract = [declared_heading(declared, contract_source)] if declared else []
    return Table(
        caption=f"Method matrix of {path}: status per method and environment",
        corner=Heading("Probe"),
        headings=[*contract, *(Heading(column.name, column=column) for column in columns)],
        rows=rows,
        css="grid matrix",
        summary_headers=True,
    )


def probe_cells(observations: Sequence[Observation], matrix: MethodMatrix) -> list[Cell]:
    """One cell per request sent, then one per method the policy did not send."""
    cells = [cell_for(o.probe, observation=o, matrix=matrix) for o in observations]
    cells += [
        cell_for(c.method, observation=None, matrix=matrix) for c in matrix.cells if not c.observed
    ]
    return cells


def _answer_row(cell: Cell, *, hints: bool, timings: bool, layer_css: str = "") -> Row:
    """One target's probe: its answer, then what explains it (verdict, Allow, CORS
    methods, who answered) and, where the page shows timings, how long it took."""
    if cell.inferred:
        verdict = Text("inferred", span="inferred-note")
    else:
        verdict = Text(cell.verdict_label, title=cell.verdict_hint if hints else "")
    cells: list[Cell | Text] = [
        cell,
        verdict,
        Text(cell.allow, css="mono"),
        Text(cell.allow_methods, css="mono"),
        Text(cell.layer_label if cell.observation else cell.source, css=layer_css),
    ]
    if timings:
        cells.append(Text(cell.elapsed_ms, css="num"))
    return Row(cell.probe, cell.probe, "", cells)


def probe_table(cells: Sequence[Cell]) -> Table:
    """The Diagnose page's table: every probe of one URL, what explains its answer."""
    return Table(
        caption="One row per request sent; inferred rows were not sent",
        corner=Heading("Probe"),
        headings=[
            Heading(
                "Status",
                "Status code, or the error kind when no response came; "
                "open it for the headers and body",
            ),
            Heading("Verdict", "What the resource does with the method, as far as the probes tell"),
            Heading("Allow"),
            Heading("Access-Control-Allow-Methods"),
            Heading(
                "Layer", "The server or gateway that produced the answer, from its headers and body"
            ),
            Heading("ms", "Milliseconds from sending the request to the last byte read", "num"),
        ],
        rows=[_answer_row(c, hints=False, timings=True) for c in cells],
    )


def document_cells(document: dict[str, Any]) -> tuple[list[Cell], list[Cell], list[Cell]]:
    """A frozen diagnosis document (monitoring.export) as cells: the plain methods of its
    matrix, its preflights, and every response in the order it was sent."""
    observations = [observation_from_document(o) for o in document["observations"]]
    matrix = matrix_from_json(document["matrix"])
    by_probe = {o.probe: o for o in observations}
    methods = [
        cell_for(c.method, observation=by_probe.get(c.method), matrix=matrix) for c in matrix.cells
    ]
    responses = [cell_for(o.probe, observation=o, matrix=matrix) for o in observations]
    preflights = [c for c in responses if c.probe.startswith("preflight:")]
    return methods, preflights, responses


def method_table(methods: list[Cell]) -> Table:
    """A shared snapshot's methods: status, verdict and the headers that explain them."""
    return Table(
        caption="Status per method",
        corner=Heading("Method"),
        headings=[
            Heading("Status"),
            Heading("Verdict"),
            Heading("Allow"),
            Heading("Allow-Methods", "Access-Control-Allow-Methods"),
            Heading("Answered by", "The server or gateway that produced the answer"),
        ],
        rows=[_answer_row(c, hints=True, timings=False, layer_css="mono") for c in methods],
        expandable=False,
    )


def preflight_table(preflights: list[Cell]) -> Table:
    """A shared snapshot's CORS preflights: what each requested method was allowed."""
    rows = [
        Row(
            cell.probe,
            cell.probe.removeprefix("preflight:"),
            "",
            [
                cell,
                Text(cell.header("access-control-allow-origin"), css="mono"),
                Text(cell.allow_methods, css="mono"),
                Text(cell.header("access-control-allow-credentials"), css="mono"),
            ],
        )
        for cell in preflights
    ]
    return Table(
        caption="Answers to CORS preflight requests, per requested method",
        corner=Heading("Requested method"),
        headings=[
            Heading("Status"),
            Heading("Allow-Origin"),
            Heading("Allow-Methods"),
            Heading("Allow-Credentials"),
        ],
        rows=rows,
        expandable=False,
    )
