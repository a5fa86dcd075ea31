"""manage.py diagnose URL: probe one URL with every method and explain what is wrong."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnoser.analysis.model import Severity
from diagnoser.monitoring.export import diagnosis_document
from diagnoser.monitoring.services.adhoc import ProbeRefused, adhoc_diagnose
from diagnoser.monitoring.terminal import render_text
from diagnoser.probing.model import ProbePolicy, Target
from diagnoser.probing.urls import InvalidTarget, validate_header, validate_target_url


class InvalidInput(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


class Command(BaseCommand):
    help = (
        "Probe URL with every HTTP method and CORS preflights, then print the method "
        "matrix, findings and a troubleshooting checklist. Exit status: 0 no findings at "
        "or above --fail-on, 1 such findings, 2 bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--origin", help="Origin to send CORS preflights from.")
        parser.add_argument(
            "--header",
            action="append",
            default=[],
            metavar="'K: V'",
            help="Extra request header (repeatable). Values are never printed.",
        )
        parser.add_argument("--mode", choices=["safe", "full"], default="full")
        parser.add_argument(
            "--allow-private",
            action="store_true",
            help="Admit private and loopback addresses (metadata addresses stay refused).",
        )
        parser.add_argument(
            "--method",
            type=str.upper,
            help="The method that failed for you: the answer comes first, for it.",
        )
        parser.add_argument("--json", action="store_true", help="Print the JSON document.")
        parser.add_argument("--fail-on", choices=["error", "warning"], default="error")

    def handle(self, *args: Any, **options: Any) -> None:
        method = options["method"]
        try:
            result = adhoc_diagnose(
                target=_target(options), allow_private=options["allow_private"], method=method
            )
        except ProbeRefused as refused:
            raise InvalidInput(f"refused to probe: {refused.error}") from None
        report, diagnosis = result.report, result.diagnosis
        if options["json"]:
            document = diagnosis_document(report, diagnosis, method=method)
            self.stdout.write(json.dumps(document, indent=2))
        else:
            self.stdout.write(render_text(report, diagnosis, method=method), ending="")
        # Notes (what the probing did) are not findings: they never fail a run.
        threshold = Severity(options["fail_on"]).rank
        if any(f.severity.rank <= threshold for f in diagnosis.findings):
            raise SystemExit(1)


def _target(options: dict[str, Any]) -> Target:
    try:
        url = validate_target_url(options["url"])
        headers = []
        for raw in options["header"]:
            name, sep, value = raw.partition(":")
            if not sep:
                raise InvalidTarget(f"--header {raw.split(':')[0]!r} needs the form 'Name: value'")
            headers.append(validate_header(name, value))
        origin = options["origin"]
        if origin is not None:
            origin = validate_target_url(origin).rstrip("/")
    except InvalidTarget as error:
        raise InvalidInput(str(error)) from None
    return Target(
        url=url, headers=tuple(headers), origin=origin, policy=ProbePolicy(options["mode"])
    )
