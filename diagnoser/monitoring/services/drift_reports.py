"""Drift reports: one run of a drift check, from its probe runs to the comparison and
the alerts it decides.

A report does not probe for itself: it compares each target's newest run, waiting for
a pending one, and has a run queued (the scheduler's way, once) only where the newest is
too old. Fan-out without a result backend: each probe task, when it finishes, asks which
reports waited for its run and nothing else, and moves each running -> finishing with a
conditional UPDATE and publishes the comparing task. The stale sweeper finishes reports
whose runs were lost, so no report waits forever.
"""

import functools
import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from diagnoser.analysis.drift import environment_drift, regressions
from diagnoser.analysis.model import MethodMatrix
from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun, Trigger
from diagnoser.monitoring.queue import BrokerUnavailable, publish
from diagnoser.monitoring.serialize import finding_to_json, matrix_from_json
from diagnoser.monitoring.services.alert_events import report_alerts_queue
from diagnoser.monitoring.services.drift_checks import drift_check_targets
from diagnoser.monitoring.services.drift_schedules import RUN_CHECK_TASK
from diagnoser.monitoring.services.probe_schedules import runs_for_drift_report

log = logging.getLogger(__name__)

FINISH_TASK = "diagnoser.monitoring.tasks.finish_drift_report"
NOTIFY_TASK = "diagnoser.monitoring.tasks.notify_webhook"


def drift_check_enqueue(*, check: DriftCheck, trigger: str = Trigger.MANUAL) -> None:
    """Ask a worker to run the check now (what `manage.py drift_check` does)."""
    publish(RUN_CHECK_TASK, check.id, trigger)


def drift_report_start(
    *, check: DriftCheck, trigger: str = Trigger.MANUAL, scheduled_for: datetime | None = None
) -> DriftReport:
    """Create the report with the run it compares for each target: the target's newest
    run when recent enough, a pending one (waited for), else one queued through the
    scheduler's path (services/probe_schedules.py); queued runs are published when the
    transaction commits. A scheduled report counts a run recent if it is younger than the
    check's interval (a crontab: the target's probe interval); one started by hand
    probes every target, except those with a run pending already.

    `scheduled_for` is the schedule slot beat records this for: a slot that already has
    its report (a second beat) gets that report back, unchanged.
    Started by hand, a broker that is down fails the report and raises BrokerUnavailable
    (the queued runs stay for the sweeper to publish again, like any scheduled run).
    """
    targets = [
        (endpoint.id, environment.id) for endpoint, environment in drift_check_targets(check=check)
    ]
    every = check.every_seconds if trigger == Trigger.SCHEDULE else 0
    try:
        with transaction.atomic():
            report = DriftReport.objects.create(
                drift_check=check, trigger=trigger, scheduled_for=scheduled_for
            )
            run_ids, unprobed = runs_for_drift_report(
                targets=targets,
                check_id=check.id,
                every=every,
                raise_unpublished=trigger != Trigger.SCHEDULE,
            )
            report.runs.set(run_ids)
            # The runs it reuses may all be finished already, or finish before it commits.
            transaction.on_commit(functools.partial(drift_report_maybe_finish, report_id=report.id))
            if unprobed:
                report.failures = _never_probed(unprobed)
                report.save(update_fields=["failures"])
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
    return report


def _never_probed(targets: list[tuple[int, int]]) -> list[dict[str, str]]:
    paths = dict(Endpoint.objects.filter(id__in={t[0] for t in targets}).values_list("id", "path"))
    names = dict(
        Environment.objects.filter(id__in={t[1] for t in targets}).values_list("id", "name")
    )
    return [
        {
            "endpoint": paths[endpoint_id],
            "environment": names[environment_id],
            "reason": "never probed, and probing is paused here: resume it on the service "
            "page to compare this target",
        }
        for endpoint_id, environment_id in targets
    ]


def drift_report_schedule(*, check_id: int, slot: datetime) -> DriftReport | None:
    """The report of a schedule slot (beat.py): made once, however often it is asked for.
    None when the check is gone or disabled."""
    check = DriftCheck.objects.filter(id=check_id).select_related("service").first()
    if check is None or not check.enabled:
        return None
    return drift_report_start(check=check, trigger=Trigger.SCHEDULE, scheduled_for=slot)


def _pending_runs(report_id: Any) -> QuerySet[ProbeRun]:
    """The report's runs still pending. Driven by the few pending runs (state index), each
    looked up among the report's (report, run) pairs: a sweep's report holds thousands of
    runs, mostly done, and scanning them for every finished task grows with their square."""
    pairs = DriftReport.runs.through.objects.filter(
        driftreport_id=report_id, proberun_id=OuterRef("pk")
    )
    return ProbeRun.objects.filter(state__in=ProbeRun.PENDING).filter(Exists(pairs))


def drift_report_maybe_finish(*, report_id: int) -> bool:
    """Publish the comparing task when no run of the report is pending (once)."""
    if _pending_runs(report_id).exists():
        return False
    return _finish_claimed(report_id)


def drift_reports_run_finished(*, run_id: int) -> list[int]:
    """A run finished: finish every report that waited only for it (the ids)."""
    ready = DriftReport.objects.filter(runs=run_id, state=DriftReport.State.RUNNING).exclude(
        Exists(_pending_runs(OuterRef(OuterRef("pk"))))
    )
    return [
        report_id for report_id in ready.values_list("id", flat=True) if _finish_claimed(report_id)
    ]


def _finish_claimed(report_id: int) -> bool:
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
            *report.failures,
            *(
                {
                    "endpoint": run.endpoint.path,
                    "environment": run.environment.name,
                    "reason": run.failure_reason,
                }
                for run in report.runs.exclude(state=ProbeRun.State.DONE).select_related(
                    "endpoint", "environment"
                )
            ),
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
        report_alerts_queue(report=report, events=events)
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
