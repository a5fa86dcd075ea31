"""Scheduled probing: every target is probed on its service's schedule (per environment
overridable, pausable), and at once when it is registered or edited.

Beat publishes SCHEDULE_TASK every minute; its pass (runs_enqueue_due) queues a run for
each due target in one transaction. The environment rows it reads are locked until it
commits, so a second pass at the same time (two beats, a redelivered message, a slow
worker) waits and then finds the first pass's runs pending: each target gets one run.
"""

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from diagnoser.inventory.models import (
    MAX_PROBE_EVERY,
    MIN_PROBE_EVERY,
    Endpoint,
    Environment,
    Service,
)
from diagnoser.monitoring.models import ProbeRun, Trigger
from diagnoser.monitoring.queue import BrokerUnavailable, publish_many
from diagnoser.monitoring.selectors.schedule import (
    Target,
    environments_scheduled,
    runs_comparable,
    targets_due,
)
from diagnoser.monitoring.services.drift_schedules import UNIT_SECONDS
from diagnoser.monitoring.services.runs import PROBE_TASK

log = logging.getLogger(__name__)

SCHEDULE_TASK = "diagnoser.monitoring.tasks.schedule_probes"

_EVERY = re.compile(r"^\s*(\d+)\s*(s|m|h|d)?\s*$")


def probe_every_parse(text: str | int, *, field: str = "probe_every") -> int:
    """ "15m", "1h", "1d", "90s" or a number of seconds -> seconds, between a minute and a
    day (beat looks once a minute)."""
    if isinstance(text, int) and not isinstance(text, bool):
        seconds = text
    else:
        match = _EVERY.match(str(text))
        if not match:
            raise ValidationError({field: f"{text!r}: use a number and s, m, h or d, like 15m"})
        seconds = int(match[1]) * UNIT_SECONDS[match[2] or "s"]
    if not MIN_PROBE_EVERY <= seconds <= MAX_PROBE_EVERY:
        raise ValidationError({field: "probe every 1m at the most often, 1d at the least"})
    return seconds


def service_schedule_update(*, service: Service, probe_every: str | int, paused: bool) -> Service:
    every = probe_every_parse(probe_every)
    if (service.probe_every, service.probing_paused) != (every, paused):
        service.probe_every, service.probing_paused = every, paused
        service.save(update_fields=["probe_every", "probing_paused"])
    return service


def environment_schedule_update(
    *, environment: Environment, probe_every: str | int | None, paused: bool
) -> Environment:
    """probe_every None: follow the service's interval."""
    every = None if probe_every is None else probe_every_parse(probe_every)
    if (environment.probe_every, environment.probing_paused) != (every, paused):
        environment.probe_every, environment.probing_paused = every, paused
        environment.save(update_fields=["probe_every", "probing_paused"])
    return environment


def _publish(run_ids: Sequence[int], *, raise_unpublished: bool) -> None:
    """Runs left unpublished stay queued: the sweeper publishes them again later."""
    try:
        publish_many(PROBE_TASK, [(run_id,) for run_id in run_ids])
    except BrokerUnavailable as error:
        log.warning("runs %s stay queued: %s; the sweeper publishes them again", run_ids, error)
        if raise_unpublished:
            raise


def _runs_create(
    targets: Iterable[tuple[int, int]], *, trigger: str, now: datetime, raise_unpublished: bool
) -> list[int]:
    runs = ProbeRun.objects.bulk_create(
        ProbeRun(
            endpoint_id=endpoint_id,
            environment_id=environment_id,
            trigger=trigger,
            queued_at=now,
            published_at=now,
        )
        for endpoint_id, environment_id in targets
    )
    run_ids = [run.id for run in runs]
    if run_ids:
        transaction.on_commit(lambda: _publish(run_ids, raise_unpublished=raise_unpublished))
    return run_ids


def runs_enqueue_due(*, now: datetime | None = None) -> list[int]:
    """Queue a scheduled run for every due target; the ids of the runs queued."""
    now = now or timezone.now()
    with transaction.atomic():
        due = targets_due(environments=environments_scheduled(for_update=True), now=now)
        return _runs_create(due, trigger=Trigger.SCHEDULE, now=now, raise_unpublished=False)


def runs_for_drift_report(
    *, targets: list[Target], check_id: int, every: int | None, raise_unpublished: bool
) -> tuple[list[int], list[Target]]:
    """The runs a drift report compares (selectors.schedule.runs_comparable), with one
    queued for each target that has none recent enough; and the paused targets never
    probed. Call it inside the transaction that records the report: the locks it takes
    keep a scheduler's pass from queueing the same targets meanwhile."""
    now = timezone.now()
    comparable = runs_comparable(targets=targets, check_id=check_id, every=every, now=now)
    queued = _runs_create(
        comparable.to_queue,
        trigger=Trigger.DRIFT_CHECK,
        now=now,
        raise_unpublished=raise_unpublished,
    )
    return [*comparable.runs.values(), *queued], comparable.paused_unprobed


def targets_probe_now(
    *,
    endpoints: Iterable[Endpoint] = (),
    environments: Iterable[Environment] = (),
) -> list[int]:
    """Probe at once what was just registered or edited: each endpoint in every
    environment of its service, and every endpoint of each environment. Paused
    environments and services are left alone, and so is a target already pending.

    Published when the caller's transaction commits; if the broker is down the runs stay
    queued (the sweeper publishes them again) and BrokerUnavailable reaches the caller,
    whose registration is saved."""
    endpoints, environments = list(endpoints), list(environments)
    endpoint_ids = {e.id for e in endpoints}
    environment_ids = {e.id for e in environments}
    service_ids = {e.service_id for e in endpoints} | {e.service_id for e in environments}
    if not service_ids:
        return []
    active = Environment.objects.filter(
        service_id__in=service_ids, probing_paused=False, service__probing_paused=False
    ).values_list("id", "service_id")
    by_service: dict[int, list[int]] = defaultdict(list)
    for endpoint_id, service_id in Endpoint.objects.filter(service_id__in=service_ids).values_list(
        "id", "service_id"
    ):
        by_service[service_id].append(endpoint_id)
    pairs = {
        (endpoint_id, environment_id)
        for environment_id, service_id in active
        for endpoint_id in by_service[service_id]
        if endpoint_id in endpoint_ids or environment_id in environment_ids
    }
    if not pairs:
        return []
    pending = set(
        ProbeRun.objects.filter(
            state__in=[ProbeRun.State.QUEUED, ProbeRun.State.RUNNING],
            environment_id__in={environment_id for _, environment_id in pairs},
            endpoint_id__in={endpoint_id for endpoint_id, _ in pairs},
        ).values_list("endpoint_id", "environment_id")
    )
    return _runs_create(
        sorted(pairs - pending), trigger=Trigger.MANUAL, now=timezone.now(), raise_unpublished=True
    )
