import json
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnoser.inventory.models import Workspace
from diagnoser.monitoring.as_code import export_inventory


class Command(BaseCommand):
    help = "Print a workspace's inventory as YAML (or JSON); secret values stay in the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", help="default: the only workspace")
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")

    def handle(self, *args: Any, workspace: str | None, format: str, **kw: Any) -> None:
        workspaces = Workspace.objects.all()
        if workspace:
            workspaces = workspaces.filter(name=workspace)
        found = list(workspaces[:2])
        if len(found) != 1:
            names = ", ".join(Workspace.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"say which workspace with --workspace (there are: {names})")
        data = export_inventory(workspace=found[0])
        if format == "json":
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), ending="")
