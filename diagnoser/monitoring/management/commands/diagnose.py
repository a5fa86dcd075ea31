"""manage.py diagnose URL [URL ...] | --openapi FILE|URL: probe URLs (or every path of an
OpenAPI document, against its declared methods) with every method, all at once, and explain
what is wrong; as a CI gate, print text, JSON, JUnit or SARIF and fail only on findings a
baseline does not accept."""

import json
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnoser.analysis.model import Severity
from diagnoser.monitoring.export import diagnosis_document
from diagnoser.monitoring.management.gate_output import (
    add_gate_arguments,
    finish_gate,
    output_format,
    read_baseline,
)
from diagnoser.monitoring.management.openapi_targets import (
    DeclaredPath,
    OpenAPIUnusable,
    openapi_paths,
)
from diagnoser.monitoring.reports.subjects import diagnosis_subject
from diagnoser.monitoring.services.adhoc import (
    AdhocDiagnosis,
    ProbeRefused,
    adhoc_diagnose_many,
    adhoc_engine_config,
)
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


# --format json with several URLs: {"schema": MANY_SCHEMA, "diagnoses": [one URL's document,
# in the order given]}; with one URL, that URL's document as it always was.
MANY_SCHEMA = "diagnoser.diagnoses/1"


class Command(BaseCommand):
    help = (
        "Probe each URL (all at once) with every HTTP method its policy sends and CORS "
        "preflights, then print the answer for --method first, the method matrix, findings "
        "and a troubleshooting checklist, or --format json|junit|sarif. Exit status: 0 no "
        "findings at or above --fail-on (none a --baseline does not list), 1 such "
        "findings, 2 bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("urls", nargs="*", metavar="URL")
        parser.add_argument(
            "--openapi",
            metavar="FILE|URL",
            help="Probe every path of this OpenAPI/Swagger document (instead of URLs) and "
            "check each against the methods it declares.",
        )
        parser.add_argument(
            "--base-url",
            metavar="URL",
            help="With --openapi: where the paths are served, e.g. https://staging.example "
            "(optional when the document has one absolute `servers` URL).",
        )
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
        add_gate_arguments(parser)
        parser.add_argument("--fail-on", choices=["error", "warning"], default="error")

    def handle(self, *args: Any, **options: Any) -> None:
        output_format(options)
        baseline = read_baseline(options)
        method = (options["method"] or "").upper() or None
        if options["openapi"]:
            declared_paths = _declared_paths(options)
            targets = [_target(p.url, options, p.contract.samples) for p in declared_paths]
            declared = [p.contract.methods for p in declared_paths]
            names: list[str | None] = [p.contract.path for p in declared_paths]
        else:
            if not options["urls"]:
                raise InvalidInput("give one URL or more, or --openapi FILE|URL")
            if options["base_url"]:
                raise InvalidInput("--base-url goes with --openapi: put it in the URLs instead")
            targets = [_target(url, options) for url in options["urls"]]
            declared, names = [], [None] * len(targets)
        self._say_risk(targets[0])
        results = _probed(
            targets, allow_private=options["allow_private"], method=method, declared=declared
        )

        def text() -> str:
            return "\n".join(render_text(r.report, r.diagnosis, method=method) for r in results)

        def document() -> str:
            documents = [diagnosis_document(r.report, r.diagnosis, method=method) for r in results]
            if len(documents) == 1 and not options["openapi"]:
                return json.dumps(documents[0], indent=2)
            return json.dumps({"schema": MANY_SCHEMA, "diagnoses": documents}, indent=2)

        finish_gate(
            self,
            tuple(
                diagnosis_subject(r.report, r.diagnosis, name=name)
                for r, name in zip(results, names, strict=True)
            ),
            options,
            baseline=baseline,
            threshold=Severity(options["fail_on"]),
            text=text,
            document=document,
        )

    def _say_risk(self, target: Target) -> None:
        """Say what a request that may change data risks before it is sent (stderr, so
        --json output stays a document)."""
        if target.policy is ProbePolicy.FULL:
            self.stderr.write(f"warning: {describe_policy(ProbePolicy.FULL)}")
        elif target.send_method is not None:
            self.stderr.write(f"warning: {send_method_risk(target.send_method)}")


def _declared_paths(options: dict[str, Any]) -> list[DeclaredPath]:
    if options["urls"]:
        raise InvalidInput("give URLs or --openapi, not both")
    if options["send_method"]:
        raise InvalidInput(
            "--send-method sends an unsafe verb to one URL: not to every path of a document"
        )
    try:
        return openapi_paths(
            source=options["openapi"],
            base_url=options["base_url"],
            config=adhoc_engine_config(allow_private=options["allow_private"]),
        )
    except OpenAPIUnusable as error:
        raise InvalidInput(str(error)) from None


def _probed(
    targets: list[Target],
    *,
    allow_private: bool,
    method: str | None,
    declared: list[tuple[str, ...]],
) -> list[AdhocDiagnosis]:
    outcomes = adhoc_diagnose_many(
        targets=targets, allow_private=allow_private, method=method, declared=declared
    )
    refused = [
        (target, outcome)
        for target, outcome in zip(targets, outcomes, strict=True)
        if isinstance(outcome, ProbeRefused)
    ]
    if len(targets) == 1 and refused:
        raise InvalidInput(f"refused to probe: {refused[0][1].error}")
    if refused:
        raise InvalidInput(
            "\n".join(f"refused to probe {target.url}: {r.error}" for target, r in refused)
        )
    return [o for o in outcomes if isinstance(o, AdhocDiagnosis)]


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


def _target(
    raw: str, options: dict[str, Any], document_samples: Mapping[str, str] | None = None
) -> Target:
    """document_samples: an OpenAPI document's values for the path's placeholders; a
    --sample of the same name wins."""
    try:
        samples = _samples(options)
        if document_samples:
            given = dict(samples)
            samples = (
                *((k, v) for k, v in document_samples.items() if k not in given),
                *samples,
            )
        template = raw if placeholders(raw) else None
        url = validate_target_url(fill_path(raw, dict(samples)) if template else raw)
        send_method = _send_method(options)
        headers = []
        for line in options["header"]:
            name, sep, value = line.partition(":")
            if not sep:
                raise InvalidTarget(f"--header {line.split(':')[0]!r} needs the form 'Name: value'")
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
