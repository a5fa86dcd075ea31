"""Diagnosis accuracy on real stacks: prints figures and misses, asserts nothing.

    .venv/bin/python -m bench.accuracy [--stack NAME ...] [--quiet]

Starts the corpus (tests/servers/runners.py: ~24 real stacks on 127.0.0.1), diagnoses
every URL of tests/servers/corpus.py with and without a declared origin and under both
policies, and compares with what corpus.py says a right diagnosis is:

- matrix: cells whose status equals the stack's real answer (full policy);
- recall and precision over warning/error findings (rule ids per URL);
- expected silences broken (a rule reported as warning/error where it must not be, or
  `precondition_ignored` as a finding at all: what our probing did is a note);
- the answer's cause for the asked methods, with `answer_for(diagnosis, method)` when the
  analysis has it ("n/a" otherwise);
- safe policy: verbs it does not send (POST, PUT, PATCH, DELETE, TRACE) inferred right,
  wrong or left unknown, against the verdict of the stack's real answer.

Then per URL, what was missed, so the figures say what to fix.
"""

from __future__ import annotations

import argparse
import importlib
import ipaddress
import logging
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from diagnoser import analysis
from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.facts import verdict_for
from diagnoser.analysis.model import Diagnosis, Severity, Verdict
from diagnoser.probing.engine import EngineConfig, ProbeEngine
from diagnoser.probing.model import ProbePolicy, Target
from tests.servers.corpus import ALWAYS_SILENT, CASES, ORIGIN, VERBS, Case
from tests.servers.runners import corpus_servers

UNSENT_IN_SAFE = ("POST", "PUT", "PATCH", "DELETE", "TRACE")
LOUD = (Severity.ERROR, Severity.WARNING)


@dataclass
class Tally:
    """Counts for one (origin, policy) combination, and the misses behind them."""

    cells: int = 0
    cells_right: int = 0
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    silences_broken: int = 0
    causes_right: int = 0
    causes_wrong: int = 0
    causes_na: int = 0
    safe: Counter[str] = field(default_factory=Counter)
    # Probes the stacks left unanswered: the engine's doing or the stack's, never the
    # analysis', so they are counted apart from its figures.
    unanswered: int = 0
    misses: dict[str, list[str]] = field(default_factory=dict)

    def miss(self, case: Case, text: str) -> None:
        self.misses.setdefault(f"{case.stack} {case.path}", []).append(text)


def find_answer_for() -> Callable[[Diagnosis, str], Any] | None:
    """The analysis' answer_for, exported or in its module, or None before it exists."""
    found = getattr(analysis, "answer_for", None)
    if found is None:
        try:
            module = importlib.import_module("diagnoser.analysis.answer")
        except ImportError:
            return None
        found = getattr(module, "answer_for", None)
    return found if callable(found) else None


def answer_cause(diagnosis: Diagnosis, method: str) -> tuple[bool, str | None]:
    """(whether the analysis gives answers, the answer's cause for the method)."""
    answer_for = find_answer_for()
    if answer_for is None:
        return False, None
    answer = answer_for(diagnosis, method)
    if answer is None:
        return True, None
    if isinstance(answer, dict):
        return True, answer.get("cause")
    return True, getattr(answer, "cause", None)


def score(
    case: Case, diagnosis: Diagnosis, *, origin: bool, policy: ProbePolicy, tally: Tally
) -> None:
    if policy is ProbePolicy.FULL:
        for verb in VERBS:
            cell = diagnosis.matrix.cell(verb)
            got = cell.status if cell is not None else None
            tally.cells += 1
            if got == case.matrix[verb]:
                tally.cells_right += 1
            else:
                tally.miss(case, f"matrix {verb}: {got}, real answer {case.matrix[verb]}")
    else:
        for verb in UNSENT_IN_SAFE:
            cell = diagnosis.matrix.cell(verb)
            want = verdict_for(case.matrix[verb])
            if cell is None or cell.verdict is Verdict.UNKNOWN:
                tally.safe["unknown"] += 1
            elif cell.verdict is want:
                tally.safe["right"] += 1
            else:
                tally.safe["wrong"] += 1
                how = "observed" if cell.observed else f"inferred from {cell.source or '?'}"
                tally.miss(case, f"safe {verb}: {cell.verdict} ({how}), real {want}")
            if cell is not None and cell.observed:
                tally.safe["observed"] += 1

    reported = {f.rule for f in diagnosis.findings if f.severity in LOUD}
    expected = case.expected(origin=origin)
    tally.true_pos += len(reported & expected)
    tally.false_pos += len(reported - expected)
    tally.false_neg += len(expected - reported)
    for rule in sorted(expected - reported):
        tally.miss(case, f"missed {rule}")
    for rule in sorted(reported - expected):
        tally.miss(case, f"extra {rule}")
    broken = (reported & case.silences(origin=origin)) | (
        {f.rule for f in diagnosis.findings} & ALWAYS_SILENT
    )
    tally.silences_broken += len(broken)
    for rule in sorted(broken):
        tally.miss(case, f"silence broken: {rule}")

    for method in VERBS:
        wanted, cause = case.cause(method, origin=origin)
        if not wanted:
            continue
        available, given = answer_cause(diagnosis, method)
        if not available:
            tally.causes_na += 1
        elif given == cause:
            tally.causes_right += 1
        else:
            tally.causes_wrong += 1
            tally.miss(case, f"answer {method}: cause {given}, want {cause}")


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "n/a"


def summary_rows(tallies: dict[tuple[bool, ProbePolicy], Tally]) -> list[str]:
    rows = [
        "| origin | policy | matrix | recall | precision | TP/FP/FN | silences broken"
        " | answer cause right/wrong | safe unsent right/wrong/unknown |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (origin, policy), t in tallies.items():
        matrix = f"{t.cells_right}/{t.cells}" if t.cells else "-"
        causes = (
            "n/a"
            if t.causes_na and not (t.causes_right + t.causes_wrong)
            else f"{t.causes_right}/{t.causes_wrong}"
        )
        total = sum(t.safe[k] for k in ("right", "wrong", "unknown"))
        safe = (
            f"{t.safe['right']}/{t.safe['wrong']}/{t.safe['unknown']} of {total}"
            f" ({ratio(t.safe['right'], total)} right; {t.safe['observed']} observed)"
            if policy is ProbePolicy.SAFE
            else "-"
        )
        rows.append(
            f"| {'yes' if origin else 'no'} | {policy} | {matrix} "
            f"| {ratio(t.true_pos, t.true_pos + t.false_neg)} "
            f"| {ratio(t.true_pos, t.true_pos + t.false_pos)} "
            f"| {t.true_pos}/{t.false_pos}/{t.false_neg} | {t.silences_broken} "
            f"| {causes} | {safe} |"
        )
    return rows


def run(stacks: set[str] | None) -> dict[tuple[bool, ProbePolicy], Tally]:
    cases = [c for c in CASES if stacks is None or c.stack in stacks]
    config = EngineConfig(
        allow_networks=(ipaddress.ip_network("127.0.0.0/8"),), deadline=5.0, read_timeout=3.0
    )
    combos = [(o, p) for o in (False, True) for p in (ProbePolicy.FULL, ProbePolicy.SAFE)]
    tallies = {combo: Tally() for combo in combos}
    with (
        tempfile.TemporaryDirectory() as tmp,
        corpus_servers(Path(tmp)) as servers,
        ProbeEngine(config) as engine,
    ):
        for origin, policy in combos:
            targets = [
                Target(
                    url=servers[c.stack].url(c.path),
                    origin=ORIGIN if origin else None,
                    policy=policy,
                    **_as_registered(servers[c.stack].url(c.path)),
                )
                for c in cases
            ]
            for case, report in zip(cases, engine.probe_many(targets), strict=True):
                tally = tallies[(origin, policy)]
                tally.unanswered += sum(1 for o in report.observations if o.status is None)
                score(
                    case,
                    diagnose(report),
                    origin=origin,
                    policy=policy,
                    tally=tally,
                )
    return tallies


def _as_registered(url: str) -> dict[str, Any]:
    """An item URL the way a user registers it: a route template and its sample (the
    corpus's item ids are numeric path segments), so the safe policy can probe a phantom
    id as it does for registered endpoints."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    for index in range(len(segments) - 1, -1, -1):
        if segments[index].isdigit():
            sample = segments[index]
            segments[index] = "{id}"
            template = urlunsplit(parts._replace(path="/".join(segments)))
            return {"template": template, "samples": (("id", sample),)}
    return {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", action="append", help="only this stack (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    stacks = set(args.stack) if args.stack else None
    tallies = run(stacks)
    urls = len([c for c in CASES if stacks is None or c.stack in stacks])
    print(
        f"{urls} URLs on {len({c.stack for c in CASES if stacks is None or c.stack in stacks})}"
        f" stacks; origin {ORIGIN} when declared\n"
    )
    print("\n".join(summary_rows(tallies)))
    unanswered = ", ".join(f"{t.unanswered}" for t in tallies.values())
    print(f"\nprobes with no answer, per row: {unanswered}")
    if args.quiet:
        return
    for (origin, policy), tally in tallies.items():
        print(f"\n## misses, origin {'declared' if origin else 'not declared'}, {policy} policy")
        for url, misses in sorted(tally.misses.items()):
            print(f"- {url}: " + "; ".join(misses))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
