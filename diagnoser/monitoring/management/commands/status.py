"""The overview in the terminal: every target's last probe, worst finding and drift.

    manage.py status [SERVICE] [--workspace W] [--json]

Reads only what the workers stored (nothing is probed). Exit status 0, or 2 when the
service or workspace named does not exist.
"""

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from diagnoser.inventory.models import Service
from diagnoser.monitoring.management.services_by_name import in_workspace, service_named
from diagnoser.monitoring.selectors import TargetStatus, target_statuses

_COLUMNS = ("SERVICE", "ENVIRONMENT", "ENDPOINT", "LAST PROBED", "WORST", "DRIFT")


def _age(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


class Command(BaseCommand):
    help = "Print every target's last probe, worst finding and drift (the overview)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("service", nargs="?", help="only this service")
        parser.add_argument("--workspace", help="only this workspace")
        parser.add_argument("--json", action="store_true", help="a JSON list of targets")

    def handle(self, *args: Any, **options: Any) -> None:
        services = self._services(options["service"], options["workspace"])
        statuses = target_statuses(services=services)
        if options["json"]:
            self.stdout.write(json.dumps([s.as_json() for s in statuses], indent=2))
        else:
            self._print(statuses)

    def _services(self, name: str | None, workspace: str | None) -> list[Service]:
        if name is not None:
            return [service_named(name, workspace)]
        services = list(in_workspace(workspace))
        if workspace and not services:
            raise CommandError(f"no workspace {workspace!r} with services", returncode=2)
        return services

    def _print(self, statuses: list[TargetStatus]) -> None:
        if not statuses:
            self.stdout.write("No targets: register a service, its environments and endpoints.")
            return
        now = timezone.now()
        rows = [
            (
                s.service,
                s.environment,
                s.endpoint,
                _age(s.last_probed_at, now),
                f"{s.worst_severity}: {s.worst}" if s.worst else ("-" if s.last_probed_at else ""),
                "drift" if s.drift else "",
            )
            for s in statuses
        ]
        widths = [max(len(row[i]) for row in (_COLUMNS, *rows)) for i in range(len(_COLUMNS))]
        for row in (_COLUMNS, *rows):
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
