"""The endpoint page's method matrix: rows are the verbs and preflights, columns the
environments. Built here once so the template only loops."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from diagnoser.analysis.layers import Layer, identify
from diagnoser.analysis.model import MethodCell, MethodMatrix, Verdict
from diagnoser.inventory.models import Environment
from diagnoser.probing.model import (
    PLAIN_METHODS,
    PREFLIGHT_METHODS,
    UNKNOWN_METHOD,
    Observation,
    ProbeReport,
)

# Shown in the cell itself (the rest of the kept headers are in the opened panel): what
# the resource says it allows, and for preflights what CORS allows.
_PLAIN_SUMMARY = ("allow",)
_PREFLIGHT_SUMMARY = ("access-control-allow-methods",)


@dataclass(frozen=True)
class Column:
    """One environment's side of the matrix; report is None until a run finished."""

    environment: Environment
    report: ProbeReport | None
    matrix: MethodMatrix | None
    probed_at: datetime | None = None
    run_id: int | None = None

    @property
    def name(self) -> str:
        return self.environment.name

    @property
    def policy(self) -> str:
        """The policy the shown run was probed with; the environment's before any run."""
        return self.report.target.policy.value if self.report else self.environment.probe_policy


@dataclass(frozen=True)
class Cell:
    probe: str
    column: str
    observation: Observation | None  # None: not sent (safe policy) or no run yet
    verdict: MethodCell | None  # plain methods only: the matrix's verdict
    layer: Layer | None

    @property
    def status(self) -> int | None:
        return self.observation.status if self.observation else None

    @property
    def failed(self) -> bool:
        return self.observation is not None and self.observation.status is None

    @property
    def inferred(self) -> bool:
        return self.observation is None and self.verdict is not None and not self.verdict.observed

    @property
    def inferred_verdict(self) -> str:
        """ "accepted"/"rejected" for an inferred cell; "" when nothing could be inferred."""
        if not self.inferred or self.verdict is None or self.verdict.verdict is Verdict.UNKNOWN:
            return ""
        return self.verdict.verdict.value

    @property
    def compact_headers(self) -> list[tuple[str, str]]:
        if self.observation is None:
            return []
        names = _PREFLIGHT_SUMMARY if self.probe.startswith("preflight:") else _PLAIN_SUMMARY
        return [
            (name, value) for name in names if (value := self.observation.header(name)) is not None
        ]


@dataclass(frozen=True)
class Row:
    probe: str
    label: str
    hint: str  # what the row asks, for the row header's title
    cells: list[Cell]
    group_start: bool  # the first preflight row, ruled off from the plain methods


@dataclass(frozen=True)
class Matrix:
    columns: list[Column]
    rows: list[Row]


def _row_probes(unknown: str) -> list[tuple[str, str, str]]:
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


def _cell(probe: str, column: Column) -> Cell:
    observation = column.report.get(probe) if column.report else None
    verdict = column.matrix.cell(probe) if column.matrix else None
    layer = identify(observation) if observation is not None and observation.ok else None
    return Cell(probe, column.name, observation, verdict, layer)


def build_matrix(columns: Sequence[Column]) -> Matrix:
    unknown = next((c.report.unknown_method for c in columns if c.report), UNKNOWN_METHOD)
    rows = [
        Row(
            probe,
            label,
            hint,
            [_cell(probe, column) for column in columns],
            group_start=probe == f"preflight:{PREFLIGHT_METHODS[0]}",
        )
        for probe, label, hint in _row_probes(unknown)
    ]
    return Matrix(columns=list(columns), rows=rows)
