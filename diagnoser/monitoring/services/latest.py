"""LatestRun: each target's newest finished run, with what the dashboard shows of it."""

from collections.abc import Iterable
from datetime import datetime

from diagnoser.analysis.catalog import NOTE_RULES
from diagnoser.analysis.model import Severity
from diagnoser.monitoring.models import LatestRun, ProbeRun, StoredObservation
from diagnoser.monitoring.serialize import verdicts_to_text

# (severity, rule, title) of a finding; all empty for "no finding".
Brief = tuple[str, str, str]
_RANK = {severity.value: severity.rank for severity in Severity}


def _worst(findings: Iterable[Brief]) -> Brief:
    # Rows stored before notes were set apart may still hold a note: it is never the worst.
    counted = (f for f in findings if f[1] not in NOTE_RULES)
    return min(counted, key=lambda f: _RANK[f[0]], default=("", "", ""))


def latest_run_set(
    *,
    run: ProbeRun,
    observation: StoredObservation,
    finished_at: datetime,
    findings: Iterable[Brief] | None,
) -> None:
    """Make run the target's latest. findings: the observation's when it was just stored;
    None when the run reused it, and the pointer most likely holds them already."""
    target = LatestRun.objects.filter(
        endpoint_id=run.endpoint_id, environment_id=run.environment_id
    )
    if findings is None:
        if target.filter(observation=observation).update(run=run, finished_at=finished_at):
            return
        findings = observation.findings.values_list("severity", "rule", "title")
    severity, rule, title = _worst(findings)
    LatestRun.objects.bulk_create(
        [
            LatestRun(
                endpoint_id=run.endpoint_id,
                environment_id=run.environment_id,
                run=run,
                finished_at=finished_at,
                observation=observation,
                verdicts=verdicts_to_text(observation.matrix),
                worst_severity=severity,
                worst_rule=rule,
                worst_title=title,
            )
        ],
        update_conflicts=True,
        unique_fields=["endpoint", "environment"],
        update_fields=[
            "run",
            "finished_at",
            "observation",
            "verdicts",
            "worst_severity",
            "worst_rule",
            "worst_title",
        ],
    )
