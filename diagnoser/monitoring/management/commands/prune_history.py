from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from diagnoser.monitoring.services.retention import history_prune


class Command(BaseCommand):
    help = "Delete probe runs, drift reports and observations older than the retention."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.DIAGNOSER_RETENTION_DAYS,
            help="keep this many days (default DIAGNOSER_RETENTION_DAYS)",
        )

    def handle(self, *args: Any, days: int, **kw: Any) -> None:
        pruned = history_prune(days=days)
        self.stdout.write(
            f"Deleted {pruned.runs} runs, {pruned.reports} drift reports and "
            f"{pruned.observations} observations older than {days} days."
        )
