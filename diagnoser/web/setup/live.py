"""Diagnose a URL on the spot: probe it from the web process and shape the answer for the
page. Nothing is stored; extra header values are secrets and are scrubbed from every
string the page shows (a server may echo them in a body or a header)."""

from dataclasses import dataclass
from typing import Any

from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.layers import identify
from diagnoser.analysis.model import Diagnosis, Verdict
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.export import diagnosis_document
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.guard import ALLOW_SETTING
from diagnoser.probing.model import ErrorKind, Observation, ProbeKind, ProbeReport, Target
from diagnoser.web.templatetags.web_format import status_class

REDACTED = "[redacted]"
# Shorter values would blank out ordinary words of a page; header secrets are longer.
_MIN_SCRUBBED = 4

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
    with ProbeEngine(engine_config()) as engine:
        report = engine.probe(target)
    observations = report.observations
    blocked = [o for o in observations if o.error_kind is ErrorKind.BLOCKED]
    if observations and len(blocked) == len(observations):
        advice = (
            f" Whoever runs diagnoser can admit the network with {ALLOW_SETTING} "
            f"(for example {ALLOW_SETTING}=10.0.0.0/8) and restart it."
            if ALLOW_SETTING in (blocked[0].error or "")
            else ""
        )
        raise Unprobeable(f"Refused to probe: {blocked[0].error}.{advice}")
    diagnosis = diagnose(report)
    if not any(o.ok for o in observations):
        failed = next((f for f in diagnosis.findings if f.rule == "probe_failed"), None)
        fix = f" {failed.fix[0]}" if failed and failed.fix else ""
        first = observations[0] if observations else None
        error = first.error if first else "nothing was sent"
        raise Unprobeable(f"{target.url} did not answer: {error}.{fix}")
    return report, diagnosis


def present(
    *,
    report: ProbeReport,
    diagnosis: Diagnosis,
    failed_method: str = "",
) -> LiveDiagnosis:
    secrets = [value for _, value in report.target.headers if len(value) >= _MIN_SCRUBBED]
    document = _scrub(diagnosis_document(report, diagnosis), secrets)
    rows = _scrub(_rows(report, diagnosis), secrets)
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


def _scrub(value: Any, secrets: list[str]) -> Any:
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub(v, secrets) for v in value)
    if isinstance(value, ProbeRow):
        fields = {k: _scrub(v, secrets) for k, v in vars(value).items()}
        return ProbeRow(**fields)
    return value


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
