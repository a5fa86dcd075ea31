import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnoser.monitoring.as_code import InventoryError, import_inventory


class Command(BaseCommand):
    help = (
        "Create or update services, environments, endpoints and drift checks from a YAML or "
        "JSON file (all or nothing; '-' reads standard input)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--workspace", help="workspace to import into (default: the file's)")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="delete environments, endpoints and checks of the listed services that the "
            "file no longer has (with their history)",
        )

    def handle(self, *args: Any, file: str, workspace: str | None, prune: bool, **kw: Any):
        if file == "-":
            text, source = sys.stdin.read(), "<stdin>"
        else:
            try:
                text, source = Path(file).read_text(encoding="utf-8"), file
            except OSError as error:
                raise CommandError(f"cannot read {file}: {error.strerror}") from None
        try:
            summary = import_inventory(
                text,
                workspace_name=workspace,
                source=source,
                prune=prune,
                # A service's `openapi:` file is read beside the inventory file.
                files_from=Path(file).parent if file != "-" else Path.cwd(),
            )
        except InventoryError as error:
            raise CommandError(f"{error} (nothing was imported)") from None
        if not summary.changed:
            self.stdout.write("No changes.")
        for verb, items in (
            ("created", summary.created),
            ("updated", summary.updated),
            ("deleted", summary.deleted),
        ):
            for item in items:
                self.stdout.write(f"{verb} {item}")
        if summary.probes_deferred:
            self.stdout.write(
                self.style.WARNING(
                    f"broker unavailable ({summary.probes_deferred}): the import is saved and "
                    "its targets will be probed on schedule once the broker is back"
                )
            )
        elif summary.probes_queued:
            self.stdout.write(f"probing {summary.probes_queued} new or changed targets now")
