"""Which alert events a finished probe run or drift report makes, compared with what came
before it, queued to the service's channels (alert_queue).

Most runs change nothing (they point at the target's previous observation): they are
never looked at here. A run that stored a new observation is compared with the target's
observation before it; a failed run alerts when the run before it did not fail, so an
outage is one alert, not one per scheduled run.
"""

from collections.abc import Sequence
from typing import Any

from diagnoser.analysis.drift import regressions
from diagnoser.analysis.model import Severity
from diagnoser.inventory.models import ContractChange, Service
from diagnoser.monitoring.alert_models import AlertEvent
from diagnoser.monitoring.models import DriftReport, ProbeRun, StoredObservation
from diagnoser.monitoring.serialize import matrix_from_json
from diagnoser.monitoring.services.alert_queue import alert_queue, service_channels
from diagnoser.monitoring.services.alerts import webhook_payload

_COUNTED = {Severity.WARNING.value, Severity.ERROR.value}
_MAX_LINES = 10


def _lines(items: list[str]) -> str:
    shown = [f"• {item}" for item in items[:_MAX_LINES]]
    if len(items) > _MAX_LINES:
        shown.append(f"…and {len(items) - _MAX_LINES} more")
    return "\n".join(shown)


def _previous_observation(observation: StoredObservation) -> StoredObservation | None:
    return (
        StoredObservation.objects.filter(
            endpoint_id=observation.endpoint_id,
            environment_id=observation.environment_id,
            created_at__lte=observation.created_at,
        )
        .exclude(id=observation.id)
        .order_by("-created_at", "-id")
        .first()
    )


def _previous_failed(run: ProbeRun) -> bool:
    before = (
        ProbeRun.objects.filter(
            endpoint_id=run.endpoint_id,
            environment_id=run.environment_id,
            state__in=[ProbeRun.State.DONE, ProbeRun.State.FAILED],
            finished_at__lte=run.finished_at,
        )
        .exclude(id=run.id)
        .order_by("-finished_at", "-id")
        .values_list("state", flat=True)
        .first()
    )
    return before == ProbeRun.State.FAILED


def run_alert_events(*, run: ProbeRun) -> list[tuple[str, str, str]]:
    """(event, title, body) for each alert event of a finished run."""
    where = f"{run.endpoint.path} in {run.environment.name}"
    service = run.endpoint.service.name
    if run.state == ProbeRun.State.FAILED:
        if _previous_failed(run):
            return []
        return [
            (
                AlertEvent.PROBE_FAILURE,
                f"Probe run failed: {where} ({service})",
                f"The probe run of {where} failed: {run.failure_reason}",
            )
        ]
    if run.state != ProbeRun.State.DONE or not run.changed or run.observation is None:
        return []
    before = _previous_observation(run.observation)
    old_rules = set(before.findings.values_list("rule", flat=True)) if before else set()
    fresh = [
        f
        for f in run.observation.findings.all()
        if f.severity in _COUNTED and f.rule not in old_rules
    ]
    events: list[tuple[str, str, str]] = []
    unreachable = [f for f in fresh if f.rule == "probe_failed"]
    if unreachable:
        events.append(
            (
                AlertEvent.PROBE_FAILURE,
                f"Target unreachable: {where} ({service})",
                _lines([f.title for f in unreachable]),
            )
        )
    findings = [f for f in fresh if f.rule != "probe_failed"]
    if findings:
        events.append(
            (
                AlertEvent.NEW_FINDINGS,
                f"{len(findings)} new finding{'s' if len(findings) != 1 else ''}: {where} "
                f"({service})",
                _lines([f"{f.severity}: {f.title} ({f.rule})" for f in findings]),
            )
        )
    if before is not None:
        lost = [
            f
            for f in regressions(
                matrix_from_json(before.matrix), matrix_from_json(run.observation.matrix)
            )
            if f.severity is Severity.ERROR  # a method that was accepted is rejected now
        ]
        if lost:
            events.append(
                (
                    AlertEvent.METHOD_REGRESSION,
                    f"Method regression: {where} ({service})",
                    _lines([f.title for f in lost]),
                )
            )
    return events


def run_alerts_queue(*, run_id: int) -> list[Any]:
    """Detect a finished run's events and queue them; the deliveries queued."""
    run = ProbeRun.objects.select_related("endpoint__service", "environment", "observation").get(
        id=run_id
    )
    channels = service_channels(service_id=run.endpoint.service_id)
    if not channels:
        return []
    queued = []
    for event, title, body in run_alert_events(run=run):
        key = f"run:{run.id}:{event}"
        queued += alert_queue(channels=channels, event=event, key=key, title=title, body=body)
    return queued


def report_alerts_queue(*, report: DriftReport, events: list[str]) -> list[Any]:
    """A finished drift report's drift_appeared / drift_resolved, as a drift alert."""
    drift = [e for e in events if e in ("drift_appeared", "drift_resolved")]
    if not drift:
        return []
    channels = service_channels(service_id=report.drift_check.service_id)
    if not channels:
        return []
    text = webhook_payload(report=report, event=drift[0])["text"]
    title, _, body = text.partition("\n")
    return alert_queue(
        channels=channels,
        event=AlertEvent.DRIFT,
        key=f"report:{report.id}:{drift[0]}",
        title=title.strip("*").replace("*", ""),
        body=body or title,
    )


def contract_alerts_queue(*, service: Service, changes: Sequence[ContractChange]) -> list[Any]:
    """One import's contract changes (the methods added and removed, per path) as one
    contract alert; its key names the changes, so the same import never alerts twice."""
    if not changes:
        return []
    channels = service_channels(service_id=service.id)
    if not channels:
        return []
    ids = sorted(change.id for change in changes)
    lines = []
    for change in changes:
        parts = [f"added {', '.join(change.added)}"] if change.added else []
        parts += [f"removed {', '.join(change.removed)}"] if change.removed else []
        lines.append(f"{change.endpoint.path}: {'; '.join(parts)}")
    paths = len(changes)
    return alert_queue(
        channels=channels,
        event=AlertEvent.CONTRACT,
        key=f"contract:{ids[0]}-{ids[-1]}",
        title=f"Contract changed: {paths} path{'s' if paths != 1 else ''} ({service.name})",
        body=f"{changes[0].source}\n{_lines(lines)}",
    )
