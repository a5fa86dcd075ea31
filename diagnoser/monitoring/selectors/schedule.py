"""Reads for scheduled probing: which environments are probed on a schedule, how often,
and which targets (endpoint x environment) are due now.

The pass reads a fixed number of statements whatever the inventory holds: environments,
endpoints, and the runs recent enough (or still pending) to keep a target from being due.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce

from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.monitoring.models import DriftReport, LatestRun, ProbeRun

Target = tuple[int, int]  # (endpoint id, environment id)

# Beat asks once a minute, a little after the minute: a run queued 14:59.7 ago by the
# previous pass counts as 15 minutes old, or every cadence would slip by a minute.
TICK_SLACK = timedelta(seconds=30)


@dataclass(frozen=True)
class ScheduledEnvironment:
    id: int
    service_id: int
    every: int  # seconds: the environment's probe_every, else its service's


def environments_scheduled(
    *, for_update: bool = False, ids: Collection[int] | None = None
) -> list[ScheduledEnvironment]:
    """Environments neither paused themselves nor in a paused service (of `ids` if given).

    for_update locks their rows until the caller's transaction ends, so two passes at
    once (two beats, a slow worker) take turns and the second sees the first one's runs.
    """
    environments = Environment.objects.filter(
        probing_paused=False, service__probing_paused=False
    ).order_by("id")
    if ids is not None:
        environments = environments.filter(id__in=ids)
    if for_update:
        environments = environments.select_for_update(of=("self",))
    rows = environments.annotate(every=Coalesce(F("probe_every"), F("service__probe_every")))
    return [ScheduledEnvironment(*row) for row in rows.values_list("id", "service_id", "every")]


def targets_due(
    *, environments: list[ScheduledEnvironment], now: datetime
) -> list[tuple[int, int]]:
    """(endpoint id, environment id) of every target of these environments whose newest
    run (of any trigger or outcome) was queued at least its interval ago, or that never
    ran, and that has no run queued or running."""
    if not environments:
        return []
    by_service: dict[int, list[int]] = defaultdict(list)
    for endpoint_id, service_id in Endpoint.objects.filter(
        service_id__in={e.service_id for e in environments}
    ).values_list("id", "service_id"):
        by_service[service_id].append(endpoint_id)
    window = now - timedelta(seconds=max(e.every for e in environments))
    # Two reads, each along its own index (queued_at; state), where one with OR between
    # them may scan every run ever made.
    # Newest last, without GROUP BY: grouping lets a planner walk a target index over
    # every run instead of the queued_at range.
    recent = ProbeRun.objects.filter(queued_at__gte=window).order_by("queued_at")
    last_queued = {
        (endpoint_id, env_id): queued_at
        for endpoint_id, env_id, queued_at in recent.values_list(
            "endpoint_id", "environment_id", "queued_at"
        )
    }
    pending = set(
        ProbeRun.objects.filter(state__in=ProbeRun.PENDING)
        .values_list("endpoint_id", "environment_id")
        .order_by()
        .distinct()
    )
    due = []
    for environment in environments:
        cutoff = now - timedelta(seconds=environment.every) + TICK_SLACK
        for endpoint_id in by_service[environment.service_id]:
            target = (endpoint_id, environment.id)
            if target in pending:
                continue
            last = last_queued.get(target)
            if last is None or last <= cutoff:
                due.append(target)
    return due


@dataclass
class Comparable:
    """What a drift report compares per target: a run it can use now or wait for, the
    targets that need a run queued, and the paused ones no run exists for."""

    runs: dict[Target, int] = field(default_factory=dict)
    to_queue: list[Target] = field(default_factory=list)
    paused_unprobed: list[Target] = field(default_factory=list)


def runs_comparable(
    *, targets: list[Target], check_id: int, every: int | None, now: datetime
) -> Comparable:
    """For each target of a drift check: its pending run, else its newest finished run if
    queued less than `every` seconds ago (None: the target's own probe interval), else
    nothing (one must be queued). A run an earlier report of the same check compared is
    not used again: each report says something its previous one did not know. Paused
    targets are compared as last probed, however old, and are never probed for a report.

    Locks the scheduled environments' rows like the scheduler's pass (runs_enqueue_due),
    so the two take turns and a target never gets a second pending run from them."""
    result = Comparable()
    if not targets:
        return result
    environment_ids = {environment_id for _, environment_id in targets}
    endpoint_ids = {endpoint_id for endpoint_id, _ in targets}
    scheduled = {
        e.id: e.every for e in environments_scheduled(for_update=True, ids=environment_ids)
    }
    compared = DriftReport.runs.through.objects.filter(
        driftreport__drift_check_id=check_id, proberun_id=OuterRef("run_id")
    )
    pending = {
        (endpoint_id, environment_id): run_id
        for endpoint_id, environment_id, run_id in ProbeRun.objects.filter(
            state__in=ProbeRun.PENDING,
            endpoint_id__in=endpoint_ids,
            environment_id__in=environment_ids,
        )
        .exclude(drift_reports__drift_check_id=check_id)
        .order_by("queued_at")
        .values_list("endpoint_id", "environment_id", "id")
    }
    latest = {
        (endpoint_id, environment_id): (run_id, queued_at, used)
        for endpoint_id, environment_id, run_id, queued_at, used in LatestRun.objects.filter(
            endpoint_id__in=endpoint_ids, environment_id__in=environment_ids
        )
        .annotate(used=Exists(compared))
        .values_list("endpoint_id", "environment_id", "run_id", "run__queued_at", "used")
    }
    for target in targets:
        newest = latest.get(target)
        if target[1] not in scheduled:
            if newest is None:
                result.paused_unprobed.append(target)
            else:
                result.runs[target] = newest[0]
        elif target in pending:
            result.runs[target] = pending[target]
        elif (
            newest is not None
            and not newest[2]
            and newest[1]
            > now - timedelta(seconds=scheduled[target[1]] if every is None else every)
        ):
            result.runs[target] = newest[0]
        else:
            result.to_queue.append(target)
    return result
