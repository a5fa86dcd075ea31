"""Reads of a target's method history: every change of a method's verdict, and the
pages of it the endpoint and history pages show."""

import operator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import reduce
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from diagnoser.analysis.model import MethodMatrix
from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.monitoring.models import ProbeRun, StoredObservation
from diagnoser.monitoring.serialize import matrix_from_json


@dataclass(frozen=True)
class MethodChange:
    method: str
    at: datetime
    before: str | None  # verdict, None for the first observation
    after: str
    status_before: int | None
    status_after: int | None

    @property
    def summary(self) -> str:
        """ "rejected (405) → accepted (412)"."""
        before = f"{self.before} ({self.status_before})" if self.status_before else self.before
        after = f"{self.after} ({self.status_after})" if self.status_after else self.after
        return f"{before} → {after}"

    @property
    def when(self) -> tuple[str, str]:
        return local_when(self.at)


def local_when(at: datetime, zone: tzinfo | None = None) -> tuple[str, str]:
    """(ISO 8601, "2026-11-22 01:53") in the site's time zone: a history page shows
    hundreds, and the template date filter costs ten times as much per call. A caller
    formatting many may look up the zone once and pass it (the lookup is most of the cost)."""
    local = timezone.localtime(at, zone)
    return local.isoformat(), local.strftime("%Y-%m-%d %H:%M")


def method_timeline(*, endpoint: Endpoint, environment: Environment) -> list[MethodChange]:
    """Every change of a method's verdict for one target, oldest first.

    Observations are stored only when something changed, so this walks few rows.
    """
    changes: list[MethodChange] = []
    last: dict[str, tuple[str, int | None]] = {}
    observations = StoredObservation.objects.filter(
        endpoint=endpoint, environment=environment
    ).order_by("created_at", "id")
    for observation in observations.only("matrix", "created_at").iterator():
        for cell in matrix_from_json(observation.matrix).cells:
            now = (cell.verdict.value, cell.status)
            before = last.get(cell.method)
            if before != now:
                changes.append(
                    MethodChange(
                        method=cell.method,
                        at=observation.created_at,
                        before=before[0] if before else None,
                        after=now[0],
                        status_before=before[1] if before else None,
                        status_after=now[1],
                    )
                )
                last[cell.method] = now
    return changes


# One page of an environment's history: the changes of up to this many stored
# observations, cut after the observation that brings the count to HISTORY_CHANGES.
HISTORY_OBSERVATIONS = 50
HISTORY_CHANGES = 50


@dataclass(frozen=True)
class HistoryPage:
    changes: list[MethodChange]  # newest first
    first_seen: datetime | None  # when the target was first probed, if this page reaches it
    older: int | None  # observation id to pass as `before` for the next page, if any


Row = tuple[int, datetime, dict[str, Any]]  # observation id, created_at, matrix JSON


def _cells(matrix: dict[str, Any]) -> dict[str, tuple[str, int | None]]:
    return {c["method"]: (c["verdict"], c["status"]) for c in matrix["cells"]}


def _history_page(rows: list[Row]) -> HistoryPage:
    """The changes rows show, newest first; rows are the newest HISTORY_OBSERVATIONS + 1
    observations of a target from some point back, newest first (the extra one is only
    the baseline of the last change, unless it is the target's first)."""
    reaches_first = len(rows) <= HISTORY_OBSERVATIONS
    changes: list[MethodChange] = []
    cells = [_cells(matrix) for _, _, matrix in rows]
    for i in range(len(rows) - 1):
        for method, now in cells[i].items():
            was = cells[i + 1].get(method)
            if was != now:
                changes.append(
                    MethodChange(
                        method=method,
                        at=rows[i][1],
                        before=was[0] if was else None,
                        after=now[0],
                        status_before=was[1] if was else None,
                        status_after=now[1],
                    )
                )
        last = i == len(rows) - 2
        if len(changes) >= HISTORY_CHANGES and not (last and reaches_first):
            return HistoryPage(changes, None, rows[i][0])
    if not rows:
        return HistoryPage([], None, None)
    if reaches_first:
        return HistoryPage(changes, rows[-1][1], None)
    return HistoryPage(changes, None, rows[-2][0])


def method_history(
    *, endpoint: Endpoint, environment: Environment, before: int | None = None
) -> HistoryPage:
    """One page of a target's method changes, newest first, older than the observation
    `before` when given; reads only the page's observations (index obs_target_latest)."""
    observations = StoredObservation.objects.filter(endpoint=endpoint, environment=environment)
    if before is not None:
        cursor = Subquery(observations.filter(id=before).values("created_at"))
        observations = observations.filter(
            Q(created_at__lt=cursor) | Q(created_at=cursor, id__lt=before)
        )
    rows = observations.order_by("-created_at", "-id").values_list("id", "created_at", "matrix")
    return _history_page(list(rows[: HISTORY_OBSERVATIONS + 1]))


def method_histories(*, endpoint: Endpoint) -> dict[int, HistoryPage]:
    """The first page of method_history of every environment of an endpoint, by
    environment id, in one statement (the endpoint page shows them side by side)."""
    newest_first = [F("created_at").desc(), F("id").desc()]
    rows = (
        StoredObservation.objects.filter(endpoint=endpoint)
        .annotate(row=Window(RowNumber(), partition_by=F("environment_id"), order_by=newest_first))
        .filter(row__lte=HISTORY_OBSERVATIONS + 1)
        .order_by("environment_id", *newest_first)
        .values_list("environment_id", "id", "created_at", "matrix")
    )
    pages: dict[int, list[Row]] = {}
    for environment_id, *row in rows:
        pages.setdefault(environment_id, []).append((row[0], row[1], row[2]))
    return {environment_id: _history_page(page) for environment_id, page in pages.items()}


# How many of a target's newest runs the endpoint page's status strip shows.
STRIP_RUNS = 48


@dataclass(frozen=True)
class RunMatrix:
    """A finished run and the method matrix it stored (or found unchanged)."""

    run_id: int
    finished_at: datetime
    matrix: MethodMatrix


def recent_runs(*, endpoint: Endpoint, count: int = STRIP_RUNS) -> dict[int, list[RunMatrix]]:
    """The newest `count` finished runs of each environment of an endpoint, oldest first,
    by environment id. Three statements whatever the count and however long the history:
    when each environment's count-th newest run finished, the runs since (a range of index
    run_target_latest_done each, where a window over every run grew with the history),
    then the few observations they share, each parsed once."""
    finished = ProbeRun.objects.filter(
        endpoint=endpoint,
        state=ProbeRun.State.DONE,
        observation__isnull=False,
        finished_at__isnull=False,
    )
    oldest_shown = (
        finished.filter(environment_id=OuterRef("id"))
        .order_by("-finished_at", "-id")
        .values("finished_at")[count - 1 : count]
    )
    since = Environment.objects.filter(service_id=endpoint.service_id).annotate(
        since=Subquery(oldest_shown)
    )
    shown = [
        Q(environment_id=id_, finished_at__gte=at) if at else Q(environment_id=id_)
        for id_, at in since.values_list("id", "since")
    ]
    if not shown:
        return {}
    runs = list(
        finished.filter(reduce(operator.or_, shown))
        .order_by("environment_id", "finished_at", "id")
        .values_list("environment_id", "id", "finished_at", "observation_id")
    )
    stored = StoredObservation.objects.filter(id__in={row[3] for row in runs})
    matrices = {id_: matrix_from_json(m) for id_, m in stored.values_list("id", "matrix")}
    result: dict[int, list[RunMatrix]] = {}
    for environment_id, run_id, finished_at, observation_id in runs:
        assert finished_at is not None  # filtered above; the column allows null for queued runs
        result.setdefault(environment_id, []).append(
            RunMatrix(run_id, finished_at, matrices[observation_id])
        )
    # Runs finished in the same instant as the oldest shown one all pass its time.
    return {id_: page[-count:] for id_, page in result.items()}
