"""The tables a diagnosis is shown in, built once in Python: headings, rows and cells.
One partial (templates/presentation/_table.html) draws every one of them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from diagnoser.analysis.model import MethodMatrix
from diagnoser.inventory.models import Environment
from diagnoser.presentation.cells import Cell
from diagnoser.probing.model import PLAIN_METHODS, ProbeReport


@dataclass(frozen=True)
class Column:
    """One environment's side of the endpoint matrix; report is None until a run finished."""

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
class Heading:
    text: str = ""
    title: str = ""
    css: str = ""
    column: Column | None = None  # an environment's heading on the endpoint matrix


@dataclass(frozen=True)
class Text:
    """A plain cell: a header value, a verdict, a time."""

    text: str
    css: str = ""  # the <td>'s class
    title: str = ""
    span: str = ""  # when set, the text sits in a <span> of this class
    column: str = ""

    is_probe = False


@dataclass(frozen=True)
class Row:
    probe: str
    label: str
    hint: str  # what the row asks, for the row header's title
    cells: list[Cell | Text]
    group_start: bool = False  # the first preflight row, ruled off from the plain methods
    drifting: bool = False  # the environments answer this method differently

    @property
    def css(self) -> str:
        return " ".join(
            c for c, on in (("group-start", self.group_start), ("drift", self.drifting)) if on
        )

    @property
    def probe_cells(self) -> list[Cell]:
        """The row's answers, without the header values and times beside them."""
        return [cell for cell in self.cells if isinstance(cell, Cell)]


@dataclass(frozen=True)
class Table:
    caption: str
    corner: Heading  # the heading over the row headers
    headings: list[Heading]
    rows: list[Row]
    css: str = "grid"
    expandable: bool = True  # a status opens to headers, layer, timing and body
    summary_headers: bool = False  # Allow / CORS methods shown next to the status

    @property
    def columns(self) -> list[Column]:
        return [h.column for h in self.headings if h.column is not None]


_CONTRACT_NOTE = "HEAD follows GET; OPTIONS is not required unless declared."


def declared_heading(declared: Sequence[str], source: str) -> Heading:
    """The matrix's contract column heading: where the contract comes from, on hover."""
    origin = source or "the methods typed in for this endpoint"
    return Heading(
        "declared",
        title=f"The contract ({origin}) declares {', '.join(declared)}. {_CONTRACT_NOTE}",
        css="declared",
    )


def declared_cell(probe: str, declared: Sequence[str]) -> Text:
    """Whether the contract declares the row's method; blank for preflights and the
    made-up verb, which no document declares."""
    if probe in declared:
        return Text("declared", css="declared", title=f"{probe} is in the contract")
    if probe == "HEAD" and "GET" in declared:
        return Text("with GET", css="declared", title=_CONTRACT_NOTE)
    if probe not in PLAIN_METHODS:
        return Text("")
    if probe == "OPTIONS":
        return Text("optional", title=_CONTRACT_NOTE)
    return Text("-", title=f"{probe} is not in the contract: it should be refused with 405")
