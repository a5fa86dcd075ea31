"""Drift checks: their beat schedules, and the reports each run of a check produces.

Fan-out without a result backend: a check's report creates one probe run per target;
each probe task, when it finishes, asks whether the report still waits for anything,
and the one that finds nothing pending moves the report running -> finishing with a
conditional UPDATE and publishes the comparing task. The stale sweeper finishes
reports whose runs were lost, so no report waits forever.
"""

import functools
import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery.schedules import crontab as celery_crontab
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from diagnoser.analysis.drift import environment_drift, regressions
from diagnoser.analysis.model import MethodMatrix
from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.inventory.services import name_validate_unique
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun, Trigger
from diagnoser.monitoring.queue import BrokerUnavailable, publish
from diagnoser.monitoring.serialize import finding_to_json, matrix_from_json
from diagnoser.monitoring.services.runs import runs_request
from diagnoser.probing.transport import guarded_session

log = logging.getLogger(__name__)

RUN_CHECK_TASK = "diagnoser.monitoring.tasks.run_drift_check"
FINISH_TASK = "diagnoser.monitoring.tasks.finish_drift_report"
NOTIFY_TASK = "diagnoser.monitoring.tasks.notify_webhook"

_EVERY = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PERIODS = (
    (86400, IntervalSchedule.DAYS),
    (3600, IntervalSchedule.HOURS),
    (60, IntervalSchedule.MINUTES),
    (1, IntervalSchedule.SECONDS),
)


def parse_every(text: str | int) -> int:
    """ "90s", "5m", "1h", "1d" (or a number of seconds) -> seconds."""
    if isinstance(text, int):
        seconds = text
    else:
        match = _EVERY.match(text)
        if not match:
            raise ValidationError({"every": f"{text!r}: use a number and s, m, h or d, like 1h"})
        seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
    if seconds < 10:
        raise ValidationError({"every": "a drift check runs at most every 10 seconds"})
    return seconds


def format_every(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


def _validate_crontab(crontab: str) -> list[str]:
    fields = crontab.split()
    if len(fields) != 5 or not all(re.fullmatch(r"[0-9*/,\-]+", f) for f in fields):
        raise ValidationError(
            {
                "crontab": f"{crontab!r}: five fields (minute hour day month weekday), "
                "like */15 * * * *"
            }
        )
    return fields


def drift_check_schedule_sync(*, check: DriftCheck) -> PeriodicTask | None:
    """Make the beat entry match the check: interval or crontab, enabled or not."""
    if not check.every_seconds and not check.crontab:
        if check.periodic_task is not None:
            check.periodic_task.delete()
            check.periodic_task = None
            check.save(update_fields=["periodic_task"])
        return None
    interval = crontab = None
    if check.crontab:
        minute, hour, day_of_month, month_of_year, day_of_week = _validate_crontab(check.crontab)
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
            timezone=settings.TIME_ZONE,
        )
    else:
        assert check.every_seconds is not None
        every, period = next(
            (check.every_seconds // size, period)
            for size, period in _PERIODS
            if check.every_seconds % size == 0
        )
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
    fields: dict[str, Any] = {
        "name": f"drift-check-{check.id}",
        "task": RUN_CHECK_TASK,
        "kwargs": json.dumps({"check_id": check.id, "trigger": Trigger.SCHEDULE.value}),
        "interval": interval,
        "crontab": crontab,
        "enabled": check.enabled,
        "description": f"Drift check {check}",
    }
    task = check.periodic_task
    if task is None:
        task = PeriodicTask.objects.create(**fields)
        check.periodic_task = task
        check.save(update_fields=["periodic_task"])
    else:
        for name, value in fields.items():
            setattr(task, name, value)
        task.save()
    return task


def _validate_check(
    *, service: Service, every_seconds: int | None, crontab: str, webhook_url: str
) -> None:
    if every_seconds and crontab:
        raise ValidationError({"every": "give an interval or a crontab, not both"})
    if crontab:
        _validate_crontab(crontab)
    if webhook_url and not re.match(r"^https?://", webhook_url):
        raise ValidationError({"webhook_url": "the webhook must be an http(s) URL"})


def drift_check_create(
    *,
    service: Service,
    name: str,
    endpoints: Iterable[Endpoint] = (),
    environments: Iterable[Environment] = (),
    every: str | int | None = None,
    crontab: str = "",
    enabled: bool = True,
    webhook_url: str = "",
) -> DriftCheck:
    every_seconds = parse_every(every) if every else None
    drift_check_name_validate(service=service, name=name)
    _validate_check(
        service=service, every_seconds=every_seconds, crontab=crontab, webhook_url=webhook_url
    )
    with transaction.atomic():
        check = DriftCheck.objects.create(
            service=service,
            name=name,
            every_seconds=every_seconds,
            crontab=crontab,
            enabled=enabled,
            webhook_url=webhook_url,
        )
        _set_selection(check=check, endpoints=endpoints, environments=environments)
        drift_check_schedule_sync(check=check)
    return check


def _set_selection(
    *, check: DriftCheck, endpoints: Iterable[Endpoint], environments: Iterable[Environment]
) -> None:
    endpoints, environments = list(endpoints), list(environments)
    services = {e.service_id for e in endpoints} | {e.service_id for e in environments}
    if services - {check.service_id}:
        raise ValidationError("a drift check selects endpoints and environments of its service")
    check.endpoints.set(endpoints)
    check.environments.set(environments)


def drift_check_update(
    *,
    check: DriftCheck,
    endpoints: Iterable[Endpoint] | None = None,
    environments: Iterable[Environment] | None = None,
    every: str | int | None = None,
    crontab: str | None = None,
    enabled: bool | None = None,
    webhook_url: str | None = None,
) -> DriftCheck:
    """Change what was given; an interval replaces a crontab and the other way round."""
    if every is not None:
        check.every_seconds = parse_every(every) if every else None
        if every:
            check.crontab = ""
    if crontab is not None:
        check.crontab = crontab
        if crontab:
            check.every_seconds = None
    if enabled is not None:
        check.enabled = enabled
    if webhook_url is not None:
        check.webhook_url = webhook_url
    _validate_check(
        service=check.service,
        every_seconds=check.every_seconds,
        crontab=check.crontab,
        webhook_url=check.webhook_url,
    )
    with transaction.atomic():
        check.save()
        if endpoints is not None or environments is not None:
            _set_selection(
                check=check,
                endpoints=check.endpoints.all() if endpoints is None else endpoints,
                environments=check.environments.all() if environments is None else environments,
            )
        drift_check_schedule_sync(check=check)
    return check


def drift_check_delete(*, check: DriftCheck) -> None:
    with transaction.atomic():
        if check.periodic_task is not None:
            check.periodic_task.delete()
        check.delete()


def drift_check_targets(*, check: DriftCheck) -> list[tuple[Endpoint, Environment]]:
    endpoints = list(check.endpoints.all()) or list(check.service.endpoints.all())
    environments = list(check.environments.all()) or list(check.service.environments.all())
    return [(endpoint, environment) for endpoint in endpoints for environment in environments]


def drift_check_enqueue(*, check: DriftCheck, trigger: str = Trigger.MANUAL) -> None:
    """Ask a worker to run the check now (what `manage.py drift_check` does)."""
    publish(RUN_CHECK_TASK, check.id, trigger)


def drift_report_start(
    *, check: DriftCheck, trigger: str = Trigger.MANUAL, scheduled_for: datetime | None = None
) -> DriftReport:
    """Create the report and one queued probe run per target in one transaction; the runs
    are published when it commits.

    `scheduled_for` is the schedule slot beat records this for: a slot that already has
    its report (a second beat) gets that report back, unchanged.
    Started by hand, a broker that is down fails the report and its runs and raises
    BrokerUnavailable; on schedule the runs stay queued for the sweeper to publish again.
    """
    targets = drift_check_targets(check=check)
    try:
        with transaction.atomic():
            report = DriftReport.objects.create(
                drift_check=check, trigger=trigger, scheduled_for=scheduled_for
            )
            runs_request(
                targets=targets,
                trigger=Trigger.DRIFT_CHECK,
                drift_report=report,
                fail_unpublished=trigger != Trigger.SCHEDULE,
            )
    except IntegrityError:
        existing = DriftReport.objects.filter(drift_check=check, scheduled_for=scheduled_for)
        if scheduled_for is None or not existing.exists():
            raise
        log.info("drift check %s already has its report for %s", check.id, scheduled_for)
        return existing.get()
    except BrokerUnavailable as error:
        DriftReport.objects.filter(id=report.id).update(
            state=DriftReport.State.FAILED,
            failure_reason=f"broker unavailable: {error.error}",
            finished_at=timezone.now(),
        )
        raise
    if not targets:
        drift_report_maybe_finish(report_id=report.id)
    return report


def drift_report_schedule(*, check_id: int, slot: datetime) -> DriftReport | None:
    """The report of a schedule slot (beat.py): made once, however often it is asked for.
    None when the check is gone or disabled."""
    check = DriftCheck.objects.filter(id=check_id).select_related("service").first()
    if check is None or not check.enabled:
        return None
    return drift_report_start(check=check, trigger=Trigger.SCHEDULE, scheduled_for=slot)


def drift_report_maybe_finish(*, report_id: int) -> bool:
    """Publish the comparing task when no run of the report is pending (once)."""
    pending = ProbeRun.objects.filter(
        drift_report_id=report_id, state__in=[ProbeRun.State.QUEUED, ProbeRun.State.RUNNING]
    ).exists()
    if pending:
        return False
    claimed = DriftReport.objects.filter(id=report_id, state=DriftReport.State.RUNNING).update(
        state=DriftReport.State.FINISHING
    )
    if claimed:
        try:
            publish(FINISH_TASK, report_id)
        except BrokerUnavailable:
            # Finish here rather than leave the report waiting for a broker.
            drift_report_finish(report_id=report_id)
    return bool(claimed)


def _matrices(report: DriftReport) -> dict[tuple[int, int], tuple[int, MethodMatrix]]:
    """(endpoint id, environment id) -> (observation id, matrix) for the report's done runs.

    Reads only the small matrix column, and parses each observation once: across a sweep
    most targets share their unchanged rows with the previous report."""
    parsed: dict[int, MethodMatrix] = {}
    matrices = {}
    rows = report.runs.filter(state=ProbeRun.State.DONE, observation__isnull=False).values_list(
        "endpoint_id", "environment_id", "observation_id", "observation__matrix"
    )
    for endpoint_id, environment_id, observation_id, matrix in rows.iterator(chunk_size=2000):
        if observation_id not in parsed:
            parsed[observation_id] = matrix_from_json(matrix)
        matrices[(endpoint_id, environment_id)] = (observation_id, parsed[observation_id])
    return matrices


def drift_report_finish(*, report_id: int) -> DriftReport | None:
    """Compare environments, and each target with the previous report; decide alerts."""
    with transaction.atomic():
        report = (
            DriftReport.objects.select_for_update()
            .filter(id=report_id, state=DriftReport.State.FINISHING)
            .select_related("drift_check")
            .first()
        )
        if report is None:
            return None
        current = _matrices(report)
        service = report.drift_check.service
        names = dict(service.environments.values_list("id", "name"))
        paths = dict(service.endpoints.values_list("id", "path"))

        env_drift: list[dict[str, Any]] = []
        by_endpoint: dict[int, dict[str, MethodMatrix]] = defaultdict(dict)
        for (endpoint_id, environment_id), (_, matrix) in current.items():
            by_endpoint[endpoint_id][names[environment_id]] = matrix
        for endpoint_id, matrices in sorted(by_endpoint.items(), key=lambda i: paths[i[0]]):
            if len(matrices) < 2:
                continue
            for finding in environment_drift(matrices):
                env_drift.append({"endpoint": paths[endpoint_id], **finding_to_json(finding)})

        previous = (
            DriftReport.objects.filter(
                drift_check=report.drift_check_id, state=DriftReport.State.DONE, id__lt=report.id
            )
            .order_by("-id")
            .first()
        )
        regressed: list[dict[str, Any]] = []
        if previous is not None:
            before = _matrices(previous)
            for key, (observation_id, matrix) in sorted(current.items()):
                if key not in before or before[key][0] == observation_id:
                    continue
                for finding in regressions(before[key][1], matrix):
                    regressed.append(
                        {
                            "endpoint": paths[key[0]],
                            "environment": names[key[1]],
                            **finding_to_json(finding),
                        }
                    )

        failures = [
            {
                "endpoint": run.endpoint.path,
                "environment": run.environment.name,
                "reason": run.failure_reason,
            }
            for run in report.runs.exclude(state=ProbeRun.State.DONE).select_related(
                "endpoint", "environment"
            )
        ]
        report.previous = previous
        report.env_drift = env_drift
        report.regressions = regressed
        report.failures = failures
        report.drift_present = bool(env_drift)
        report.state = DriftReport.State.DONE
        report.finished_at = timezone.now()
        report.save()

        events = _alert_events(report=report, previous=previous)
        if events and report.drift_check.webhook_url:
            for event in events:
                transaction.on_commit(
                    functools.partial(_publish_alert, report_id=report.id, event=event)
                )
    return report


def _alert_events(*, report: DriftReport, previous: DriftReport | None) -> list[str]:
    was_drifting = previous is not None and previous.drift_present
    events = []
    if report.drift_present and not was_drifting:
        events.append("drift_appeared")
    elif was_drifting and not report.drift_present:
        events.append("drift_resolved")
    if report.regressions:
        events.append("method_regression")
    return events


def _publish_alert(*, report_id: int, event: str) -> None:
    try:
        publish(NOTIFY_TASK, report_id, event, 1)
    except BrokerUnavailable:
        log.exception("could not queue the %s webhook of drift report %s", event, report_id)


_CRONTAB_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
_CRONTAB_LABELS = ("minute", "hour", "day of month", "month", "day of week")


def crontab_validate(*, crontab: str) -> str:
    """The crontab normalised to single spaces, each field checked against its range as
    beat will read it (the shape check alone lets "99 * * * *" through to beat)."""
    fields = _validate_crontab(crontab)
    for field, label, value in zip(_CRONTAB_FIELDS, _CRONTAB_LABELS, fields, strict=True):
        try:
            celery_crontab(**{field: value})
        except ValueError as error:
            raise ValidationError(
                {"crontab": f"{label} {value!r}: {str(error).rstrip('.')}"}
            ) from None
    return " ".join(fields)


def drift_check_name_validate(
    *, service: Service, name: str, check: DriftCheck | None = None
) -> None:
    name_validate_unique(
        siblings=DriftCheck.objects.filter(service=service),
        value=name,
        owner=service,
        what=f"a drift check named {name!r}",
        instance=check,
    )


def drift_check_rename(*, check: DriftCheck, name: str) -> DriftCheck:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "a drift check needs a name"})
    drift_check_name_validate(service=check.service, name=name, check=check)
    check.name = name
    check.save(update_fields=["name"])
    if check.periodic_task is not None:
        drift_check_schedule_sync(check=check)  # the beat entry's description names the check
    return check


@dataclass(frozen=True)
class WebhookAttempt:
    """What one POST to a webhook got back: a status code, or the error instead."""

    url: str
    status_code: int | None
    error: str
    elapsed_ms: float

    @property
    def ok(self) -> bool:
        return not self.error


def webhook_test_payload(*, check: DriftCheck) -> dict[str, Any]:
    """Shaped like a real alert (Slack-compatible `text`), marked as a test."""
    service = check.service
    return {
        "text": f"*Test alert* from diagnoser: drift check {check.name} of {service.name} "
        "can reach this webhook. No drift was detected; nothing needs doing.",
        "event": "test",
        "workspace": service.workspace.name,
        "service": service.name,
        "check": check.name,
        "report_id": None,
        "drift_present": False,
        "env_drift": [],
        "regressions": [],
    }


def drift_check_test_alert(*, check: DriftCheck) -> WebhookAttempt:
    """POST a test payload to the check's webhook through the same SSRF-guarded session as
    real alerts (no redirects followed). Not logged as a delivery: there is no report."""
    url = check.webhook_url
    if not url:
        raise ValidationError({"webhook_url": "set a webhook URL and save before testing it"})
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        with guarded_session(engine_config()) as session:
            response = session.post(
                url,
                json=webhook_test_payload(check=check),
                timeout=(settings.DIAGNOSER_CONNECT_TIMEOUT, settings.DIAGNOSER_READ_TIMEOUT),
                allow_redirects=False,
            )
            status_code = response.status_code
            response.close()
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code} from the webhook"
    except Exception as exc:  # any transport failure is the answer to show
        error = f"{type(exc).__name__}: {exc}"[:2000]
    return WebhookAttempt(
        url=url,
        status_code=status_code,
        error=error,
        elapsed_ms=(time.monotonic() - started) * 1000,
    )
