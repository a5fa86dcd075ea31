"""Plain-text rendering of a diagnosis for the terminal (``manage.py diagnose``)."""

import re

from diagnoser.analysis.answer import answer_for
from diagnoser.analysis.layers import identify
from diagnoser.analysis.model import Answer, Diagnosis, Severity
from diagnoser.probing.model import Observation, ProbeReport

_STATE_MARK = {"problem": "[!]", "ok": "[ok]", "todo": "[ ]"}
_COLUMNS = ("PROBE", "STATUS", "ALLOW", "AC-ALLOW-METHODS", "LAYER", "MS")
# Header values come from the probed server: ESC starts the sequences that move the
# cursor, recolour, clear or retitle a terminal, and bidi overrides reorder what is
# shown. Every such character is printed as its escape instead.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def render_text(report: ProbeReport, diagnosis: Diagnosis, *, method: str | None = None) -> str:
    """The answer first (for `method`, else the worst cause), then the evidence."""
    lines = [
        f"diagnoser: {report.target.url}",
        f"policy {report.target.policy.value}, {len(report.observations)} probes "
        f"in {report.elapsed_ms:.0f} ms"
        + (f", origin {report.target.origin}" if report.target.origin else ""),
        *(
            f"caution: {note.title}." + (f" {note.fix[0]}" if note.fix else "")
            for note in diagnosis.notes
        ),
        "",
        *_answer(answer_for(diagnosis, method)),
        "",
        *_matrix(report, diagnosis),
        "",
        *_findings(diagnosis),
        *_notes(diagnosis),
        "",
        "CHECKLIST",
        *_checklist(diagnosis),
    ]
    return "\n".join(_visible(line) for line in lines) + "\n"


def _answer(answer: Answer) -> list[str]:
    status = "" if answer.status is None else f" {answer.status}"
    head = f"ANSWER for {answer.method}" if answer.method else "ANSWER"
    lines = [
        f"{head}: {answer.verdict}{status}, cause: {answer.cause or 'none'}",
        f"  {answer.sentence}",
    ]
    if answer.fix:
        lines.append(f"  fix: {answer.fix}")
    if answer.layer:
        lines.append(f"  answered by: {answer.layer}")
    if answer.reproduce:
        lines.append(f"  try: {answer.reproduce}")
    return lines


def _notes(diagnosis: Diagnosis) -> list[str]:
    if not diagnosis.notes:
        return []
    lines = ["", "NOTES (what the probing did; never counted as findings)"]
    for note in diagnosis.notes:
        lines.append(f"  {note.rule}: {note.title}")
    return lines


def _matrix(report: ProbeReport, diagnosis: Diagnosis) -> list[str]:
    rows = [_COLUMNS]
    for observation in report.observations:
        rows.append(_row(observation))
    for cell in diagnosis.matrix.cells:
        if not cell.observed:
            rows.append((cell.method, f"~{cell.verdict.value}", "", "", cell.source, ""))
    widths = [min(max(len(row[i]) for row in rows), 40) for i in range(len(_COLUMNS))]
    return [
        "  ".join(value[:40].ljust(w) for value, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _row(observation: Observation) -> tuple[str, str, str, str, str, str]:
    if observation.status is None:
        status = f"{observation.error_kind}"
        layer = observation.error or ""
    else:
        status = str(observation.status)
        layer = identify(observation).label
    # Escaped before the columns are measured, so they stay aligned.
    return (
        observation.probe,
        status,
        _visible(observation.header("allow") or ""),
        _visible(observation.header("access-control-allow-methods") or ""),
        _visible(layer),
        f"{observation.elapsed_ms:.0f}",
    )


def _findings(diagnosis: Diagnosis) -> list[str]:
    if not diagnosis.findings:
        return ["FINDINGS: none"]
    counts = {s: sum(1 for f in diagnosis.findings if f.severity is s) for s in Severity}
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    lines = [f"FINDINGS ({summary})"]
    for finding in diagnosis.findings:
        lines.append(f"  {finding.severity.value.upper():8} {finding.rule}")
        lines.append(f"           {finding.title}")
        if finding.evidence.layer:
            lines.append(f"           layer: {finding.evidence.layer}")
        if finding.evidence.detail:
            lines.append(f"           note: {finding.evidence.detail}")
        for step in finding.fix[:2]:
            lines.append(f"           fix: {step}")
        for command in finding.reproduce[:1]:
            lines.append(f"           try: {command}")
    return lines


def _checklist(diagnosis: Diagnosis) -> list[str]:
    lines = []
    for step in diagnosis.checklist:
        lines.append(f"  {_STATE_MARK.get(step.state, '[ ]'):4} {step.title}")
        lines.append(f"       {step.detail}")
    return lines
