"""manage.py diagnose URL: probe one URL with every method and explain what is wrong."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnoser.analysis.model import Severity
from diagnoser.monitoring.export import diagnosis_document
from diagnoser.monitoring.services.adhoc import ProbeRefused, adhoc_diagnose
from diagnoser.monitoring.terminal import render_text
from diagnoser.probing.model import UNSAFE_METHODS, ProbePolicy, Target
from diagnoser.probing.plan import describe_policy, send_method_risk
from diagnoser.probing.urls import (
    InvalidTarget,
    fill_path,
    placeholders,
    validate_header,
    validate_target_url,
)


class InvalidInput(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


class Command(BaseCommand):
    help = (
        "Probe URL with every HTTP method its policy sends and CORS preflights, then print "
        "the answer for --method first, the method matrix, findings and a troubleshooting "
        "checklist. Exit status: 0 no findings at "
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
        parser.add_argument(
            "--policy",
            "--mode",
            dest="policy",
            choices=[p.value for p in ProbePolicy],
            default=ProbePolicy.SAFE.value,
            help="safe (default): "
            + describe_policy(ProbePolicy.SAFE).removeprefix("Safe: ")
            + " strict: only GET, HEAD, OPTIONS, the made-up verb and preflights. full: "
            "every verb; the risk is printed before anything is sent.",
        )
        parser.add_argument(
            "--sample",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="Value for a {placeholder} of a URL template like https://api/items/{id}.",
        )
        parser.add_argument(
            "--method",
            help="The method that failed for you, e.g. PATCH: the answer comes first, for it.",
        )
        parser.add_argument(
            "--send-method",
            action="store_true",
            help="Also send --method (an unsafe verb) to the URL once, guarded; the risk is "
            "printed first.",
        )
        parser.add_argument(
            "--allow-private",
            action="store_true",
            help="Admit private and loopback addresses (metadata addresses stay refused).",
        )
        parser.add_argument("--json", action="store_true", help="Print the JSON document.")
        parser.add_argument("--fail-on", choices=["error", "warning"], default="error")

    def handle(self, *args: Any, **options: Any) -> None:
        target = _target(options)
        method = (options["method"] or "").upper() or None
        self._say_risk(target)
        try:
            result = adhoc_diagnose(
                target=target, allow_private=options["allow_private"], method=method
            )
        except ProbeRefused as refused:
            raise InvalidInput(f"refused to probe: {refused.error}") from None
        report, diagnosis = result.report, result.diagnosis
        if options["json"]:
            document = diagnosis_document(report, diagnosis, method=method)
            self.stdout.write(json.dumps(document, indent=2))
        else:
            self.stdout.write(render_text(report, diagnosis, method=method), ending="")
        threshold = Severity(options["fail_on"]).rank
        if any(f.severity.rank <= threshold for f in diagnosis.findings):
            raise SystemExit(1)

    def _say_risk(self, target: Target) -> None:
        """Say what a request that may change data risks before it is sent (stderr, so
        --json output stays a document)."""
        if target.policy is ProbePolicy.FULL:
            self.stderr.write(f"warning: {describe_policy(ProbePolicy.FULL)}")
        elif target.send_method is not None:
            self.stderr.write(f"warning: {send_method_risk(target.send_method)}")


def _send_method(options: dict[str, Any]) -> str | None:
    method = (options["method"] or "").upper() or None
    if not options["send_method"]:
        return None
    if method not in UNSAFE_METHODS:
        raise InvalidTarget(
            "--send-method needs --method with the unsafe verb that failed "
            f"({', '.join(sorted(UNSAFE_METHODS))})"
        )
    # The full policy sends it anyway; the flag adds nothing there.
    return method if options["policy"] != ProbePolicy.FULL.value else None


def _samples(options: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    samples = []
    for raw in options["sample"]:
        name, sep, value = raw.partition("=")
        if not sep or not name.strip():
            raise InvalidTarget(f"--sample {raw!r} needs the form NAME=VALUE")
        samples.append((name.strip(), value))
    return tuple(samples)


def _target(options: dict[str, Any]) -> Target:
    try:
        samples = _samples(options)
        template = options["url"] if placeholders(options["url"]) else None
        raw = options["url"]
        url = validate_target_url(fill_path(raw, dict(samples)) if template else raw)
        send_method = _send_method(options)
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
        url=url,
        headers=tuple(headers),
        origin=origin,
        policy=ProbePolicy(options["policy"]),
        template=template,
        samples=samples,
        send_method=send_method,
    )
