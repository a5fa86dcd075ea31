"""The CI-gate options `diagnose` and `drift_check` share: --format, --json (its alias),
--baseline, --write-baseline; and how a judged run is printed and ends (exit status 1
when a finding at or above the threshold is not in the baseline)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diagnoser.analysis.baseline import BadBaseline, baseline_entries, baseline_text
from diagnoser.analysis.gate import Entry, GateResult, Subject, judge
from diagnoser.analysis.model import Severity
from diagnoser.monitoring.reports.junit import junit_text
from diagnoser.monitoring.reports.sarif import sarif_text

FORMATS = ("text", "json", "junit", "sarif")
VERSION = "0.1.0"  # pyproject.toml's [project] version: SARIF names the tool's version


def add_gate_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="text (default), json, junit (one testsuite per target, one testcase per "
        "method) or sarif (SARIF 2.1.0 for code scanning).",
    )
    parser.add_argument("--json", action="store_true", help="Same as --format json.")
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="Findings this file lists are accepted: only new ones fail the run.",
    )
    parser.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="Record today's findings in FILE (then they are accepted, and the run exits 0).",
    )


def output_format(options: dict[str, Any]) -> str:
    chosen = options["format"]
    if options["json"] and chosen not in (None, "json"):
        raise CommandError(f"--json and --format {chosen} disagree: keep one", returncode=2)
    return "json" if options["json"] else chosen or "text"


def read_baseline(options: dict[str, Any]) -> frozenset[Entry] | None:
    """The accepted entries, read before anything is probed so a bad file costs nothing."""
    path = options["baseline"]
    if path is None:
        return None
    try:
        return baseline_entries(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(
            f"cannot read the baseline {path}: {error.strerror}; write one with "
            "--write-baseline FILE",
            returncode=2,
        ) from None
    except BadBaseline as error:
        raise CommandError(f"{path}: {error}", returncode=2) from None


def finish_gate(
    command: BaseCommand,
    subjects: tuple[Subject, ...],
    options: dict[str, Any],
    *,
    baseline: frozenset[Entry] | None,
    threshold: Severity,
    text: Callable[[], str],
    document: Callable[[], str],
) -> None:
    """Print the run in its format, write the baseline if asked, and exit 1 when a finding
    at or above `threshold` is new. `text` and `document` print the text and JSON forms."""
    result = judge(subjects, baseline)
    write_to = options["write_baseline"]
    if write_to:
        Path(write_to).write_text(baseline_text(result.entries()), encoding="utf-8")
        result = judge(subjects, result.entries())
    chosen = output_format(options)
    if chosen == "sarif":
        command.stdout.write(sarif_text(result, version=VERSION), ending="")
    elif chosen == "junit":
        command.stdout.write(junit_text(result), ending="")
    elif chosen == "json":
        command.stdout.write(document())
    else:
        command.stdout.write(text(), ending="")
    # Machine formats keep stdout a document: the summary goes to stderr.
    say = command.stdout if chosen == "text" else command.stderr
    for line in baseline_summary(result, threshold=threshold, written_to=write_to):
        say.write(line)
    if result.failing(threshold):
        raise SystemExit(1)


def baseline_summary(
    result: GateResult, *, threshold: Severity, written_to: str | None
) -> list[str]:
    if written_to:
        return [f"baseline: {len(result.entries())} entries written to {written_to}"]
    if not result.with_baseline:
        return []
    new = result.failing(threshold)
    lines = [
        f"baseline: {len(result.suppressed(threshold))} findings at or above {threshold.value} "
        f"accepted by the baseline, {len(new)} new"
    ]
    lines += [f"  new: {j.subject.name}: {j.finding.rule}: {j.finding.title}" for j in new]
    if result.gone:
        lines.append(
            f"baseline: {len(result.gone)} entries no longer found (fixed or gone); "
            "rewrite the baseline with --write-baseline to drop them:"
        )
        lines += [f"  gone: {e.target} {e.method or '(all methods)'} {e.rule}" for e in result.gone]
    return lines
