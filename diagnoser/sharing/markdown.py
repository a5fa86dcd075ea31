"""Markdown of a diagnosis or a drift report, for pasting into an issue tracker.

Header values, body excerpts and even Allow lists come from the server that was probed,
so they may carry Markdown or HTML meant to deceive a reader of the issue. Every value
from a document goes through `_text` (HTML-escaped, Markdown punctuation backslashed,
control characters written as escapes, one line) or into a fenced block whose fence is
longer than any backtick run inside it.
"""

import html
import re
from datetime import datetime
from typing import Any

from diagnoser.presentation.answer import AnswerPanel
from diagnoser.sharing.present import DriftView, RunView

# Inline Markdown that could open links, emphasis, code spans or table cells mid-line.
# Characters that are special only at the start of a line (#, -, +, digits) never are:
# every value is written after a label or inside a table cell.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_BACKTICKS = re.compile(r"`+")
# Terminal escapes (ESC...) and bidi overrides act on whoever views the file with cat or
# in an editor; they are written as their escapes instead.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SEVERITY_ORDER = ("error", "warning", "info")


def _text(value: object) -> str:
    one_line = " ".join(str(value).split())
    visible = _CONTROL.sub(lambda m: repr(m.group())[1:-1], one_line)
    return _INLINE_SPECIAL.sub(r"\\\1", html.escape(visible, quote=False))


def _fenced(lines: list[str], content: str, info: str = "", indent: str = "") -> None:
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    fence = "`" * max(3, longest + 1)
    body = [indent + line for line in content.rstrip("\n").splitlines()]
    lines += [f"{indent}{fence}{info}", *body, f"{indent}{fence}"]


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if moment else "not yet"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{counts.get(s, 0)} {s}{'s' if counts.get(s, 0) != 1 and s != 'info' else ''}"
        for s in _SEVERITY_ORDER
    )


def run_markdown(view: RunView, *, snapshot_of: datetime | None = None) -> str:
    lines = [
        f"# Method diagnosis: {_text(view.url)} ({_text(view.environment)})",
        "",
        f"- **Endpoint:** {_text(view.service)} {_text(view.endpoint)}",
        f"- **Probed:** {_when(view.probed_at)}, policy {_text(view.policy)}"
        + (f", CORS origin {_text(view.origin)}" if view.origin else ""),
        f"- **Findings:** {_summary(view.summary)}",
    ]
    if snapshot_of is not None:
        lines.append(f"- **Shared snapshot of** {_when(snapshot_of)}")
    for note in view.notes:
        lines.append(
            f"- **Caution about our probes:** {_text(note['title'])} ({_text(note['rule'])})"
        )
    if view.answer is not None:
        _answer(lines, view.answer)
    lines += ["", "## Methods", ""]
    lines.append(_row(["Method", "Status", "Verdict", "Allow", "Allow-Methods", "Answered by"]))
    lines.append(_row(["---"] * 6))
    for cell in view.methods:
        status = _text(cell.answer) if cell.observation else f"inferred from {_text(cell.source)}"
        lines.append(
            _row(
                [
                    _text(cell.probe),
                    status,
                    _text(cell.verdict_label),
                    _text(cell.allow),
                    _text(cell.allow_methods),
                    _text(cell.layer_label),
                ]
            )
        )
    if view.preflights:
        lines += ["", "## CORS preflights", ""]
        lines.append(_row(["Method", "Status", "Allow-Origin", "Allow-Methods", "Credentials"]))
        lines.append(_row(["---"] * 5))
        for cell in view.preflights:
            lines.append(
                _row(
                    [
                        _text(cell.probe.removeprefix("preflight:")),
                        _text(cell.answer),
                        _text(cell.header("access-control-allow-origin")),
                        _text(cell.allow_methods),
                        _text(cell.header("access-control-allow-credentials")),
                    ]
                )
            )
    lines += ["", "## Findings", ""]
    if not view.findings:
        lines.append("No findings.")
    for number, finding in enumerate(view.findings, start=1):
        _finding(lines, finding, f"{number}. ")
    lines += ["", "## Checklist", ""]
    for step in view.checklist:
        mark = "x" if step["state"] == "ok" else " "
        lines.append(f"- [{mark}] **{_text(step['title'])}** ({_text(step['state'])})")
        lines.append(f"  {_text(step['detail'])}")
        for command in step["commands"]:
            lines.append("")
            _fenced(lines, command, "sh", indent="  ")
    return "\n".join(lines) + "\n"


def _answer(lines: list[str], answer: AnswerPanel) -> None:
    """The answer first, as on the page: verdict, cause, layer, sentence, fix, curl."""
    status = f" {_text(answer.status)}" if answer.status else ""
    lines += ["", f"## {_text(answer.question)}", ""]
    lines.append(f"**{_text(answer.verdict)}**{status}: {_text(answer.sentence)}")
    lines.append("")
    lines.append(f"- **Cause:** {_text(answer.cause) if answer.cause else 'none'}")
    lines.append(f"- **Answered by:** {_text(answer.layer) if answer.layer else 'not identified'}")
    if answer.fix:
        lines.append(f"- **Fix:** {_text(answer.fix)}")
    if answer.reproduce:
        lines.append("")
        _fenced(lines, answer.reproduce, "sh")


def _finding(lines: list[str], finding: dict[str, Any], prefix: str) -> None:
    lines += [
        f"### {prefix}[{_text(finding['severity'])}] {_text(finding['rule'])}: "
        f"{_text(finding['title'])}",
        "",
        _text(finding["explanation"]),
        "",
    ]
    evidence = finding["evidence"]
    for probe, header, value in evidence["headers"]:
        lines.append(f"- Evidence: {_text(probe)} {_text(header)}: {_text(value)}")
    if evidence["layer"]:
        lines.append(f"- Answered by: {_text(evidence['layer'])}")
    if finding["fix"]:
        lines += ["", "**Fix:**", ""]
        lines += [f"{n}. {_text(step)}" for n, step in enumerate(finding["fix"], start=1)]
    if finding["reproduce"]:
        lines += ["", "**Reproduce:**", ""]
        _fenced(lines, "\n".join(finding["reproduce"]), "sh")
    lines.append("")


def endpoint_markdown(views: list[RunView], *, snapshot_of: datetime | None = None) -> str:
    """Each environment's diagnosis in turn, as run_markdown writes it, under a rule."""
    return "\n---\n\n".join(run_markdown(view, snapshot_of=snapshot_of) for view in views)


def drift_markdown(view: DriftView, *, snapshot_of: datetime | None = None) -> str:
    lines = [
        f"# Drift report {view.report_id}: {_text(view.service)}, check {_text(view.check)}",
        "",
        f"- **State:** {_text(view.state)}"
        + (f" ({_text(view.failure_reason)})" if view.failure_reason else ""),
        f"- **Started:** {_when(view.created_at)}; **finished:** {_when(view.finished_at)}",
        f"- **Drift between environments:** {'yes' if view.drift_present else 'no'}",
    ]
    if snapshot_of is not None:
        lines.append(f"- **Shared snapshot of** {_when(snapshot_of)}")
    lines += ["", "## Environment drift", ""]
    if not view.env_drift:
        lines.append("Every environment accepts the same methods.")
    for finding in view.env_drift:
        _finding(lines, finding, f"{_text(finding['endpoint'])}: ")
    lines += ["", "## Regressions since the previous report", ""]
    if not view.regressions:
        lines.append("None.")
    for finding in view.regressions:
        where = f"{_text(finding['endpoint'])} in {_text(finding['environment'])}: "
        _finding(lines, finding, where)
    if view.failures:
        lines += ["", "## Targets that could not be probed", ""]
        lines += [_row(["Endpoint", "Environment", "Reason"]), _row(["---"] * 3)]
        for failure in view.failures:
            lines.append(
                _row(
                    [
                        _text(failure["endpoint"]),
                        _text(failure["environment"]),
                        _text(failure["reason"]),
                    ]
                )
            )
    return "\n".join(lines) + "\n"
