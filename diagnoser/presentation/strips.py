"""A target's recent runs as the endpoint page draws them: per method, one cell per run
coloured by verdict (an uptime bar, drawn as inline SVG by the template), and the runs at
which the accepted-method set changed."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from diagnoser.analysis.drift import accepted_set_changes
from diagnoser.analysis.model import MethodCell, Verdict
from diagnoser.inventory.models import Environment
from diagnoser.monitoring.selectors.history import STRIP_RUNS, RunMatrix, local_when
from diagnoser.presentation.verdicts import verdict_class, verdict_label
from diagnoser.probing.model import PLAIN_METHODS

# SVG user units of one run's slot; the stylesheet draws the cell 8 wide, leaving a gap
# so runs stay countable.
SLOT = 10
HEIGHT = 14


@dataclass(frozen=True)
class StripCell:
    x: int  # left edge in SVG units: the newest run sits at the right end
    css: str
    title: str  # the <title> tooltip: when, status, verdict


@dataclass(frozen=True)
class MethodStrip:
    method: str
    cells: list[StripCell]
    summary: str  # for screen readers: "GET: 47 accepted, 1 failed"

    @property
    def rects(self) -> SafeString:
        """The cells as SVG, joined here: a page draws over a thousand, and the template
        loop took ten times as long as this (and Django's lazy-aware escape four times).
        Size comes from the stylesheet."""
        return mark_safe(  # noqa: S308 (the title is escaped, x and css are ours)
            "".join(
                f'<rect x="{c.x}" class="{c.css}"><title>{escape(c.title)}</title></rect>'
                for c in self.cells
            )
        )


@dataclass(frozen=True)
class Strip:
    environment: Environment
    runs: int  # how many runs are drawn, at most `slots`
    methods: list[MethodStrip]
    slots: int = STRIP_RUNS
    height: int = HEIGHT

    @property
    def width(self) -> int:
        return self.slots * SLOT


@dataclass(frozen=True)
class SetChangeLine:
    when: tuple[str, str]  # ISO 8601, local "2026-12-04 16:00"
    environment: Environment
    added: tuple[str, ...]
    removed: tuple[str, ...]
    run_id: int


def _title(when: str, run_id: int, cell: MethodCell | None) -> str:
    if cell is None:
        return f"{when}, run {run_id}: not in this run"
    if cell.status is not None:
        status = str(cell.status)
    else:
        status = "no response" if cell.observed else "not sent here"
    basis = "" if cell.observed else f" ({cell.basis})"
    return f"{when}, run {run_id}: {status}, {verdict_label(cell.verdict)}{basis}"


def _method_strip(
    method: str, runs: Sequence[tuple[int, str, dict[str, MethodCell]]], slots: int
) -> MethodStrip:
    offset = slots - len(runs)
    cells, counts = [], dict[str, int]()
    for i, (run_id, when, by_method) in enumerate(runs):
        cell = by_method.get(method)
        label = verdict_label(cell.verdict) if cell else "not probed"
        counts[label] = counts.get(label, 0) + 1
        cells.append(
            StripCell(
                x=(offset + i) * SLOT,
                css=verdict_class(cell.verdict if cell else Verdict.UNKNOWN),
                title=_title(when, run_id, cell),
            )
        )
    summary = ", ".join(f"{n} {label}" for label, n in counts.items())
    return MethodStrip(method, cells, f"{method}: {summary}")


def strip_for(
    environment: Environment, runs: Sequence[RunMatrix], *, slots: int = STRIP_RUNS
) -> Strip:
    """One environment's newest runs (oldest first, at most `slots`), a strip per method."""
    runs = runs[-slots:]
    zone = timezone.get_current_timezone()
    # Each run's time and cells once, not once per method.
    read = [
        (run.run_id, local_when(run.finished_at, zone)[1], {c.method: c for c in run.matrix.cells})
        for run in runs
    ]
    return Strip(
        environment=environment,
        runs=len(runs),
        methods=[_method_strip(m, read, slots) for m in PLAIN_METHODS] if runs else [],
        slots=slots,
    )


def set_change_lines(
    environments: Sequence[Environment], runs: Mapping[int, Sequence[RunMatrix]]
) -> list[SetChangeLine]:
    """When each environment's accepted-method set changed within its shown runs,
    newest first across environments."""
    lines = [
        SetChangeLine(
            when=local_when(change.at.finished_at),
            environment=environment,
            added=change.added,
            removed=change.removed,
            run_id=change.at.run_id,
        )
        for environment in environments
        for change in accepted_set_changes(
            [(run, run.matrix) for run in runs.get(environment.id, ())]
        )
    ]
    return sorted(lines, key=lambda line: (line.when[0], line.run_id), reverse=True)
