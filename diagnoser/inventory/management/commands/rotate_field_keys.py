"""Re-encrypt every stored secret under the first key of DIAGNOSER_FIELD_KEYS.

Rotation: prepend a new key to DIAGNOSER_FIELD_KEYS (keep the old ones after it), restart,
run this, then drop the old keys.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from diagnoser.inventory.key_rotation import reencrypt_all


class Command(BaseCommand):
    help = "Re-encrypt every stored secret under the first key of DIAGNOSER_FIELD_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        result = reencrypt_all()
        self.stdout.write(f"Re-encrypted {result.rotated} secret value(s) under the first key.")
        if result.unreadable:
            raise CommandError(
                f"{len(result.unreadable)} value(s) decrypt with none of DIAGNOSER_FIELD_KEYS "
                f"({', '.join(result.unreadable)}): put back the key they were written with, "
                "run this again, and only then drop old keys."
            )
        self.stdout.write("The old keys can now be removed from DIAGNOSER_FIELD_KEYS.")
