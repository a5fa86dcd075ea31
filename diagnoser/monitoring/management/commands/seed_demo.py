"""Register the specimen API as a demo workspace (idempotent: run it as often as you like).

The demo targets are on 127.0.0.1, which the SSRF guard refuses unless the workers run
with DIAGNOSER_ALLOW_NETWORKS admitting it, e.g. DIAGNOSER_ALLOW_NETWORKS=127.0.0.0/8.
"""

from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnoser.inventory.models import Workspace
from diagnoser.inventory.services import membership_add
from diagnoser.monitoring.as_code import InventoryError, import_inventory
from diagnoser.specimen.app import SPECIMEN_ENDPOINTS

DEMO_WORKSPACE = "demo"
DEMO_SERVICE = "specimen-api"


def demo_inventory(*, staging_url: str, prod_url: str) -> dict[str, Any]:
    return {
        "services": [
            {
                "name": DEMO_SERVICE,
                "environments": [
                    {"name": "staging", "base_url": staging_url, "policy": "full"},
                    # Real environments default to `safe`; the specimen is ours to poke.
                    {"name": "prod", "base_url": prod_url, "production": True, "policy": "full"},
                ],
                "endpoints": [
                    {"path": path, **({"samples": samples} if samples else {})}
                    for path, samples in SPECIMEN_ENDPOINTS
                ],
                "drift_checks": [{"name": "hourly", "every": "1h"}],
            }
        ]
    }


class Command(BaseCommand):
    help = "Register the specimen API (staging and prod) with a drift check as a demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--staging-url", default=settings.DIAGNOSER_DEMO_STAGING_URL)
        parser.add_argument("--prod-url", default=settings.DIAGNOSER_DEMO_PROD_URL)
        parser.add_argument("--owner", help="username to make owner of the demo workspace")

    def handle(self, *args: Any, staging_url: str, prod_url: str, owner: str | None, **kw: Any):
        text = yaml.safe_dump(demo_inventory(staging_url=staging_url, prod_url=prod_url))
        try:
            summary = import_inventory(text, workspace_name=DEMO_WORKSPACE, source="seed_demo")
        except InventoryError as error:
            raise CommandError(str(error)) from None
        if owner:
            user = User.objects.filter(username=owner).first()
            if user is None:
                raise CommandError(f"no user {owner!r}: create it with createsuperuser first")
            membership_add(
                workspace=Workspace.objects.get(name=DEMO_WORKSPACE), user=user, role="owner"
            )
        for item in summary.created:
            self.stdout.write(f"created {item}")
        for item in summary.updated:
            self.stdout.write(f"updated {item}")
        if not summary.changed:
            self.stdout.write("The demo is already registered.")
        self.stdout.write(
            "Serve the specimen with `manage.py run_specimen --env staging --port 8701` and "
            "`manage.py run_specimen --env prod --port 8702`."
        )
