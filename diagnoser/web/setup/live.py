"""Diagnose a URL on the spot: probe it from the web process and shape the answer for the
page. Nothing is stored; extra header values are secrets and are scrubbed from every
string the page shows (a server may echo them in a body or a header)."""

from dataclasses import dataclass
from typing import Any

from diagnoser.analysis.layers import identify
from diagnoser.analysis.model import Diagnosis, Verdict
from diagnoser.monitoring.export import diagnosis_document
from diagnoser.monitoring.services.adhoc import ProbeRefused, adhoc_diagnose
from diagnoser.probing.guard import ALLOW_SETTING
from diagnoser.probing.model import Observation, ProbeKind, ProbeReport, Target
from diagnoser.probing.scrub import scrub_value, secret_forms
from diagnoser.web.templatetags.web_format import status_class

# What each verdict means for the method that failed, in the order a server decides.
_VERDICT_ANSWERS = {
    Verdict.ACCEPTED: "The resource handles this method here: the failure is in the request "
    "you send (body, headers, credentials) or in a layer between you and this URL.",
    Verdict.REDIRECTED: "The URL redirects instead of handling the method; clients that follow "
    "a 301/302 turn the method into GET. Call the final URL, or redirect with 307/308.",
    Verdict.AUTH_REQUIRED: "Credentials are checked before routing: add them (extra headers) "
    "to see which methods the resource serves.",
    Verdict.REJECTED: "The route exists but does not support this method (405), or the server "
    "does not know the method at all (501). Allow names the methods it takes.",
    Verdict.NOT_FOUND: "No route answers this method at this URL: the path is wrong, or the "
    "route is registered for other methods only and this one falls through to 404.",
    Verdict.FORBIDDEN: "The route and method may be fine but the caller is not permitted, or a "
    "gateway or WAF blocks the verb: see which layer answered.",
    Verdict.ERROR: "The server failed while handling the method (5xx) instead of refusing it "
    "with 405/501.",
    Verdict.FAILED: "No response arrived for this method: see the error on its row.",
    Verdict.UNKNOWN: "The safe policy did not send this method and nothing observed says what "
    "the resource does with it; diagnose with the full policy to send it.",
}


class Unprobeable(Exception):
    """The URL could not be probed at all; the message says what to do."""


@dataclass(frozen=True)
class ProbeRow:
    probe: str
    kind: str
    status: str  # the code, "failed: <error kind>", or "<verdict> (inferred)" (endpoint page words)
    status_class: str  # CSS class by status class (base stylesheet)
    verdict: str
    observed: bool
    title: str  # hover text explaining the status
    allow: str
    allow_methods: str
    layer: str
    elapsed_ms: str
    headers: tuple[tuple[str, str], ...]
    body_excerpt: str
    body_note: str
    error: str


@dataclass(frozen=True)
class Focus:
    """The answer to "why does METHOD get STATUS?", led with when a method was named."""

    method: str
    question: str
    answer: str
    findings: list[dict[str, Any]]
    checklist: list[dict[str, Any]]


@dataclass(frozen=True)
class LiveDiagnosis:
    document: dict[str, Any]  # the public diagnosis JSON, secrets scrubbed
    rows: list[ProbeRow]
    focus: Focus | None
    other_findings: list[dict[str, Any]]
    other_checklist: list[dict[str, Any]]  # the steps the focus does not show


def probe_url(*, target: Target) -> tuple[ProbeReport, Diagnosis]:
    """Probe and diagnose; Unprobeable when the guard refused or nothing answered."""
    try:
        result = adhoc_diagnose(target=target)
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
    document = scrub_value(diagnosis_document(report, diagnosis), secrets)
    rows = scrub_value(_rows(report, diagnosis), secrets)
    focus = _focus(document, rows, failed_method) if failed_method else None
    shown = {id(f) for f in focus.findings} if focus else set()
    others = [f for f in document["findings"] if id(f) not in shown]
    steps = {id(s) for s in focus.checklist} if focus else set()
    return LiveDiagnosis(
        document=document,
        rows=rows,
        focus=focus,
        other_findings=others,
        other_checklist=[s for s in document["checklist"] if id(s) not in steps],
    )


def _rows(report: ProbeReport, diagnosis: Diagnosis) -> list[ProbeRow]:
    rows = [_observed_row(o, diagnosis) for o in report.observations]
    for cell in diagnosis.matrix.cells:
        if not cell.observed:
            rows.append(
                ProbeRow(
                    probe=cell.method,
                    kind="inferred",
                    status=f"{cell.verdict.value.replace('_', ' ')} (inferred)",
                    status_class="inferred-note",
                    verdict=cell.verdict.value,
                    observed=False,
                    title=f"Not sent (safe policy); inferred from {cell.source or 'nothing'}",
                    allow="",
                    allow_methods="",
                    layer=cell.source,
                    elapsed_ms="",
                    headers=(),
                    body_excerpt="",
                    body_note="",
                    error="",
                )
            )
    return rows


def _observed_row(observation: Observation, diagnosis: Diagnosis) -> ProbeRow:
    cell = diagnosis.matrix.cell(observation.method)
    plain = observation.kind is ProbeKind.PLAIN
    verdict = cell.verdict.value if cell is not None and plain else ""
    if observation.status is None:
        status, title = f"failed: {observation.error_kind or 'error'}", observation.error or ""
        layer = ""
    else:
        status = str(observation.status)
        title = f"{observation.status} {observation.reason}".strip()
        if verdict:
            title += f": {verdict.replace('_', ' ')}"
        layer = identify(observation).label
    truncated = " (truncated at the cap)" if observation.body_truncated else ""
    return ProbeRow(
        probe=observation.probe,
        kind=observation.kind.value,
        status=status,
        status_class=status_class(observation.status),
        verdict=verdict.replace("_", " "),
        observed=True,
        title=title,
        allow=observation.header("allow") or "",
        allow_methods=observation.header("access-control-allow-methods") or "",
        layer=layer,
        elapsed_ms=f"{observation.elapsed_ms:.0f}",
        headers=observation.headers,
        body_excerpt=observation.body_excerpt,
        body_note=f"{observation.body_bytes} bytes read{truncated}",
        error=observation.error or "",
    )


def _mentions(finding: dict[str, Any], method: str) -> bool:
    evidence = finding["evidence"]
    probes = {method, f"preflight:{method}"}
    return (
        method in evidence["methods"]
        or any(probe in probes for probe, _ in evidence["statuses"])
        or any(probe in probes for probe, _, _ in evidence["headers"])
    )


def _focus(document: dict[str, Any], rows: list[ProbeRow], method: str) -> Focus:
    row = next((r for r in rows if r.probe == method), None)
    cell = next((c for c in document["matrix"]["cells"] if c["method"] == method), None)
    verdict = Verdict(cell["verdict"]) if cell else Verdict.UNKNOWN
    if row is None or not row.observed:
        question = f"What happens to {method}? (not sent: safe policy)"
    elif row.status.isdigit():
        question = f"Why does {method} get {row.status}?"
    else:
        question = f"Why does {method} fail? ({row.status.removeprefix('failed: ')})"
    findings = [f for f in document["findings"] if _mentions(f, method)]
    rules = {f["rule"] for f in findings}
    checklist = [s for s in document["checklist"] if s["rule"] is None or s["rule"] in rules]
    return Focus(
        method=method,
        question=question,
        answer=_VERDICT_ANSWERS[verdict],
        findings=findings,
        checklist=checklist,
    )
