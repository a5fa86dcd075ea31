"""Diagnose a URL on the spot: probe it from the web process and shape the answer for the
page. Nothing is stored; extra header values are secrets and are scrubbed from every
string the page shows (a server may echo them in a body or a header)."""

from dataclasses import dataclass
from typing import Any

from diagnoser.analysis.model import Basis, Diagnosis
from diagnoser.monitoring.export import diagnosis_document
from diagnoser.monitoring.services.adhoc import ProbeRefused, adhoc_diagnose
from diagnoser.presentation.answer import AnswerPanel, answer_panel
from diagnoser.presentation.build import probe_cells, probe_table
from diagnoser.presentation.cells import Cell
from diagnoser.presentation.tables import Table
from diagnoser.probing.guard import ALLOW_SETTING
from diagnoser.probing.model import UNSAFE_METHODS, ProbePolicy, ProbeReport, Target
from diagnoser.probing.plan import send_method_risk
from diagnoser.probing.scrub import scrub_value, secret_forms


class Unprobeable(Exception):
    """The URL could not be probed at all; the message says what to do."""


@dataclass(frozen=True)
class Focus:
    """The answer to "why does METHOD get STATUS?", led with when a method was named."""

    method: str
    question: str
    findings: list[dict[str, Any]]
    checklist: list[dict[str, Any]]


@dataclass(frozen=True)
class LiveDiagnosis:
    document: dict[str, Any]  # the public diagnosis JSON, secrets scrubbed
    answer: AnswerPanel  # for the method that failed, else the most severe cause
    cells: list[Cell]  # every probe sent, then every method inferred
    table: Table
    focus: Focus | None
    other_findings: list[dict[str, Any]]
    other_checklist: list[dict[str, Any]]  # the steps the focus does not show
    # Why the failed method was not sent to the URL and what sending it once risks, when
    # the policy held it back: the page offers the "send once" choice with these words.
    send_offer: str = ""


def probe_url(*, target: Target, method: str = "") -> tuple[ProbeReport, Diagnosis]:
    """Probe and diagnose (for `method`, the one that failed, when given); Unprobeable
    when the guard refused or nothing answered."""
    try:
        result = adhoc_diagnose(target=target, method=method or None)
    except ProbeRefused as refused:
        advice = (
            f" Whoever runs diagnoser can admit the network with {ALLOW_SETTING} "
            f"(for example {ALLOW_SETTING}=10.0.0.0/8) and restart it."
            if refused.allowlist_would_admit
            else ""
        )
        raise Unprobeable(f"Refused to probe: {refused.error}.{advice}") from None
    if not result.answered:
        raise Unprobeable(result.unanswered_reason())
    return result.report, result.diagnosis


def present(
    *,
    report: ProbeReport,
    diagnosis: Diagnosis,
    failed_method: str = "",
) -> LiveDiagnosis:
    secrets = secret_forms(value for _, value in report.target.headers)
    document = scrub_value(
        diagnosis_document(report, diagnosis, method=failed_method or None), secrets
    )
    cells = scrub_value(probe_cells(report.observations, diagnosis.matrix), secrets)
    focus = _focus(document, cells, failed_method) if failed_method else None
    answer = answer_panel(
        document["answer"],
        finding_rules=(f["rule"] for f in document["findings"]),
        question=focus.question if focus else "",
        overall=focus is None,
    )
    shown = {id(f) for f in focus.findings} if focus else set()
    others = [f for f in document["findings"] if id(f) not in shown]
    steps = {id(s) for s in focus.checklist} if focus else set()
    return LiveDiagnosis(
        document=document,
        answer=answer,
        cells=cells,
        table=probe_table(cells),
        focus=focus,
        other_findings=others,
        other_checklist=[s for s in document["checklist"] if id(s) not in steps],
        send_offer=_send_offer(report, diagnosis, failed_method),
    )


def _send_offer(report: ProbeReport, diagnosis: Diagnosis, method: str) -> str:
    target = report.target
    if method not in UNSAFE_METHODS or target.policy is ProbePolicy.FULL:
        return ""
    cell = diagnosis.matrix.cell(method)
    if cell is None or cell.basis is Basis.OBSERVED:
        return ""
    seen = "observed on a phantom id only" if cell.basis is Basis.PHANTOM else "inferred"
    return (
        f"{method} was not sent to this URL ({seen}: {cell.source or 'nothing tells'}). "
        f"To see its own answer, tick “Also send that unsafe method once” and diagnose "
        f"again: {send_method_risk(f'one {method}')}"
    )


def _mentions(finding: dict[str, Any], method: str) -> bool:
    evidence = finding["evidence"]
    probes = {method, f"preflight:{method}"}
    return (
        method in evidence["methods"]
        or any(probe in probes for probe, _ in evidence["statuses"])
        or any(probe in probes for probe, _, _ in evidence["headers"])
    )


def _focus(document: dict[str, Any], cells: list[Cell], method: str) -> Focus:
    cell = next((c for c in cells if c.probe == method), None)
    if cell is None or cell.observation is None:
        question = f"What happens to {method}? (not sent: safe policy)"
    elif cell.failed:
        question = f"Why does {method} fail? ({cell.observation.error_kind or 'error'})"
    else:
        question = f"Why does {method} get {cell.status}?"
    findings = [f for f in document["findings"] if _mentions(f, method)]
    rules = {f["rule"] for f in findings}
    checklist = [s for s in document["checklist"] if s["rule"] is None or s["rule"] in rules]
    return Focus(
        method=method,
        question=question,
        findings=findings,
        checklist=checklist,
    )
