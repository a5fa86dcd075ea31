"""Webhook alerts for drift checks, sent through the probe engine's SSRF guard."""

import time
from typing import Any

from django.conf import settings

from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import DriftReport, WebhookDelivery
from diagnoser.probing.transport import guarded_session

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


def webhook_send(*, report_id: int, event: str, attempt: int) -> WebhookDelivery:
    """One delivery attempt, logged whatever happens. Redirects are not followed."""
    report = DriftReport.objects.select_related("drift_check__service__workspace").get(id=report_id)
    url = report.drift_check.webhook_url
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        with guarded_session(engine_config()) as session:
            response = session.post(
                url,
                json=webhook_payload(report=report, event=event),
                timeout=(settings.DIAGNOSER_CONNECT_TIMEOUT, settings.DIAGNOSER_READ_TIMEOUT),
                allow_redirects=False,
            )
            status_code = response.status_code
            response.close()
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code} from the webhook"
    except Exception as exc:  # any transport failure is logged and retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
    return WebhookDelivery.objects.create(
        report=report,
        event=event,
        url=url,
        attempt=attempt,
        ok=not error,
        status_code=status_code,
        error=error,
        elapsed_ms=(time.monotonic() - started) * 1000,
    )


def webhook_backoff(*, attempt: int) -> float:
    """Seconds before attempt+1: base, 2x, 4x... capped at an hour."""
    return min(settings.DIAGNOSER_WEBHOOK_BACKOFF * 2 ** (attempt - 1), 3600.0)
