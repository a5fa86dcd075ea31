"""Run a drift check now, through the broker and the workers, and print the report.

Exit status: 0 no drift, 1 drift or a method regression (one a --baseline does not list),
2 the check could not run (unknown service, broker down, no worker finished in time).
Usable from CI: --format junit|sarif, --baseline, --write-baseline as `diagnose` has them.
"""

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnoser.analysis.model import Severity
from diagnoser.inventory.models import Service
from diagnoser.monitoring.management.gate_output import (
    add_gate_arguments,
    finish_gate,
    output_format,
    read_baseline,
)
from diagnoser.monitoring.management.services_by_name import service_named
from diagnoser.monitoring.models import DriftCheck, DriftReport, Trigger
from diagnoser.monitoring.queue import BrokerUnavailable
from diagnoser.monitoring.reports.subjects import drift_subjects
from diagnoser.monitoring.selectors import report_as_dict
from diagnoser.monitoring.services.drift_checks import drift_check_create
from diagnoser.monitoring.services.drift_reports import drift_report_start


class Command(BaseCommand):
    help = "Run a service's drift check now and print the report (exit 1 on drift)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("service", help="service name")
        parser.add_argument("--workspace", help="needed when two workspaces share the name")
        parser.add_argument("--check", help="which drift check (default: the only one)")
        add_gate_arguments(parser)
        parser.add_argument(
            "--timeout", type=float, default=600.0, help="seconds to wait for the workers"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = output_format(options)
        baseline = read_baseline(options)
        service = service_named(options["service"], options["workspace"])
        check = self._check(service, options["check"])
        try:
            report = drift_report_start(check=check, trigger=Trigger.MANUAL)
        except BrokerUnavailable as error:
            raise CommandError(str(error), returncode=2) from None
        report = self._wait(report, options["timeout"])

        def text() -> str:
            return self._text(report)

        def document() -> str:
            return json.dumps(report_as_dict(report=report), indent=2)

        if report.state == DriftReport.State.FAILED:
            # What failed, per target, before the exit status (JUnit/SARIF readers get the
            # text on stderr: their stdout is a document only).
            shown = document() if chosen == "json" else text()
            (self.stdout if chosen in ("text", "json") else self.stderr).write(shown)
            raise CommandError(f"the drift check failed: {report.failure_reason}", returncode=2)

        # Every drift and every regression counts, whatever its severity, as it always did.
        finish_gate(
            self,
            drift_subjects(report),
            options,
            baseline=baseline,
            threshold=Severity.INFO,
            text=text,
            document=document,
        )

    def _check(self, service: Service, name: str | None) -> DriftCheck:
        checks = list(service.drift_checks.all())
        if name:
            for check in checks:
                if check.name == name:
                    return check
            raise CommandError(f"{service.name} has no drift check named {name!r}", returncode=2)
        if len(checks) == 1:
            return checks[0]
        if len(checks) > 1:
            names = ", ".join(c.name for c in checks)
            raise CommandError(f"say which check with --check ({names})", returncode=2)
        # No check registered: compare every endpoint in every environment, unscheduled.
        return drift_check_create(service=service, name="manual")

    def _wait(self, report: DriftReport, timeout: float) -> DriftReport:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            report.refresh_from_db()
            if report.state in (DriftReport.State.DONE, DriftReport.State.FAILED):
                return report
            time.sleep(0.2)
        pending = report.runs.filter(state__in=["queued", "running"]).count()
        raise CommandError(
            f"no worker finished drift report {report.id} within {timeout:.0f}s "
            f"({pending} probe runs still pending): is a worker running? "
            "Start one with `celery -A diagnoser worker`.",
            returncode=2,
        )

    def _text(self, report: DriftReport) -> str:
        check = report.drift_check
        lines: list[str] = []
        write = lines.append
        write(f"Drift check {check.service.name}/{check.name}, report {report.id}")
        if report.env_drift:
            write(self.style.ERROR("Environments disagree:"))
            for item in report.env_drift:
                write(f"  {item['endpoint']}: {item['title']}")
        else:
            write(self.style.SUCCESS("All environments accept the same methods."))
        if report.regressions:
            write(self.style.WARNING("Changed since the previous report:"))
            for item in report.regressions:
                write(f"  {item['endpoint']} [{item['environment']}]: {item['title']}")
        for failure in report.failures:
            write(
                self.style.WARNING(
                    f"  not probed: {failure['endpoint']} [{failure['environment']}]: "
                    f"{failure['reason']}"
                )
            )
        return "\n".join(lines) + "\n"
