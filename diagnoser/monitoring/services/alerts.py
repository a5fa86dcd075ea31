"""Webhook alerts for drift checks, and their test alerts: built here, and sent by one
function (webhook_post) through the probe engine's SSRF guard, as healthchecks sends a
test notification through the same transport as a real one."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import DriftCheck, DriftReport, WebhookDelivery
from diagnoser.probing.outbound import send_once

_HEADLINES = {
    "drift_appeared": "Drift appeared",
    "drift_resolved": "Drift resolved",
    "method_regression": "Method regression",
}
_MAX_LINES = 10


def webhook_payload(*, report: DriftReport, event: str) -> dict[str, Any]:
    """JSON with a Slack-compatible `text` and the structured facts beside it."""
    check = report.drift_check
    service = check.service
    items = report.regressions if event == "method_regression" else report.env_drift
    lines = [f"*{_HEADLINES.get(event, event)}* in {service.name} (drift check {check.name})"]
    for item in items[:_MAX_LINES]:
        where = item["endpoint"] + (f" [{item['environment']}]" if "environment" in item else "")
        lines.append(f"• {where}: {item['title']}")
    if len(items) > _MAX_LINES:
        lines.append(f"…and {len(items) - _MAX_LINES} more")
    if event == "drift_resolved":
        lines.append("All environments accept the same methods again.")
    return {
        "text": "\n".join(lines),
        "event": event,
        "workspace": service.workspace.name,
        "service": service.name,
        "check": check.name,
        "report_id": report.id,
        "drift_present": report.drift_present,
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        "env_drift": [
            {k: item.get(k) for k in ("endpoint", "rule", "severity", "title", "evidence")}
            for item in report.env_drift
        ],
        "regressions": [
            {
                k: item.get(k)
                for k in ("endpoint", "environment", "rule", "severity", "title", "evidence")
            }
            for item in report.regressions
        ],
    }


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


def webhook_post(*, url: str, payload: dict[str, Any]) -> WebhookAttempt:
    """POST the payload once; every webhook, real or test, leaves through here, and through
    the outbound choke point: guarded address, total deadline, capped raw read of the reply
    (a webhook answering 300 MB or trickling costs the caller nothing)."""
    sent = send_once(method="POST", url=url, config=engine_config(), json_body=payload)
    error = sent.error
    if not error and not sent.ok:
        error = f"HTTP {sent.status} from the webhook"
    return WebhookAttempt(url, sent.status, error, sent.elapsed_ms)


def webhook_send(*, report_id: int, event: str, attempt: int) -> WebhookDelivery:
    """One delivery attempt of a report's alert, logged whatever happens (and retried by
    the task when it failed)."""
    report = DriftReport.objects.select_related("drift_check__service__workspace").get(id=report_id)
    sent = webhook_post(
        url=report.drift_check.webhook_url, payload=webhook_payload(report=report, event=event)
    )
    return WebhookDelivery.objects.create(
        report=report,
        event=event,
        url=sent.url,
        attempt=attempt,
        ok=sent.ok,
        status_code=sent.status_code,
        error=sent.error,
        elapsed_ms=sent.elapsed_ms,
    )


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
    """POST a test payload to the check's saved webhook the way real alerts go. Not logged
    as a delivery: there is no report."""
    if not check.webhook_url:
        raise ValidationError({"webhook_url": "set a webhook URL and save before testing it"})
    return webhook_post(url=check.webhook_url, payload=webhook_test_payload(check=check))


def webhook_backoff(*, attempt: int) -> float:
    """Seconds before attempt+1: base, 2x, 4x... capped at an hour."""
    return min(settings.DIAGNOSER_WEBHOOK_BACKOFF * 2 ** (attempt - 1), 3600.0)
