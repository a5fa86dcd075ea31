"""Shape a frozen document into the rows the public page and the Markdown export show.

Built once here, so the HTML template and the Markdown writer loop over the same rows
and never work out statuses, layers or groupings themselves.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from diagnoser.analysis.model import Severity, Verdict
from diagnoser.web.templatetags.web_format import status_class

_VERDICT_HINTS = {
    Verdict.ACCEPTED.value: "the route handled the method",
    Verdict.REDIRECTED.value: "redirected: the method was not handled at this URL",
    Verdict.AUTH_REQUIRED.value: "credentials required: routing can't be judged",
    Verdict.REJECTED.value: "not supported here (405/501)",
    Verdict.NOT_FOUND.value: "404: no route, or the method fell through to none",
    Verdict.FORBIDDEN.value: "403: a layer may be blocking the verb",
    Verdict.ERROR.value: "server error",
    Verdict.FAILED.value: "no response",
    Verdict.UNKNOWN.value: "not probed and nothing to infer from",
}


@dataclass(frozen=True)
class Status:
    text: str  # the code as text ("405"), or what happened instead ("timeout")
    css: str  # colour class (web_format.status_class; snone: not sent)
    hint: str  # for the title attribute


@dataclass(frozen=True)
class MethodRow:
    method: str
    status: Status
    verdict: str
    verdict_hint: str
    observed: bool  # False: inferred (safe policy), source says from what
    source: str
    allow: str
    allow_methods: str
    layer: str  # Server / Via of the answer, the layer that answered


@dataclass(frozen=True)
class PreflightRow:
    method: str
    status: Status
    allow_origin: str
    allow_methods: str
    allow_credentials: str


@dataclass(frozen=True)
class ObservationRow:
    probe: str
    status: Status
    elapsed_ms: float
    headers: list[tuple[str, str]]
    body_excerpt: str
    body_bytes: int
    body_truncated: bool


@dataclass(frozen=True)
class RunView:
    service: str
    endpoint: str
    environment: str
    url: str
    policy: str
    origin: str | None
    probed_at: datetime
    summary: dict[str, int]
    allow: str | None
    allow_methods: str | None
    methods: list[MethodRow]
    preflights: list[PreflightRow]
    observations: list[ObservationRow]
    findings: list[dict[str, Any]]
    finding_groups: list[dict[str, Any]]  # [{"severity", "findings"}], most severe first
    checklist: list[dict[str, Any]]


@dataclass(frozen=True)
class DriftView:
    service: str
    check: str
    report_id: int
    state: str
    failure_reason: str
    drift_present: bool
    created_at: datetime
    finished_at: datetime | None
    env_drift: list[dict[str, Any]]  # findings with "endpoint"
    regressions: list[dict[str, Any]]  # findings with "endpoint" and "environment"
    failures: list[dict[str, Any]]
    # For the page: [{"where": "/items/{id} in prod", "groups": severity_groups}]
    env_drift_sections: list[dict[str, Any]]
    regression_sections: list[dict[str, Any]]


def status_of(observation: dict[str, Any] | None, fallback: int | None = None) -> Status:
    if observation is None:
        if fallback is None:
            return Status("not sent", "snone", "not probed: inferred from other answers")
        return Status(str(fallback), status_class(fallback), str(fallback))
    if observation["status"] is None:
        kind = observation["error_kind"] or "error"
        return Status(kind, status_class(None), f"no response: {observation['error'] or kind}")
    code = observation["status"]
    return Status(str(code), status_class(code), f"{code} {observation['reason']}".strip())


def severity_groups(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = [
        {"severity": s.value, "findings": [f for f in findings if f["severity"] == s.value]}
        for s in sorted(Severity, key=lambda s: s.rank)
    ]
    return [g for g in groups if g["findings"]]


def run_view(document: dict[str, Any]) -> RunView:
    by_probe = {o["probe"]: o for o in document["observations"]}
    methods = []
    for cell in document["matrix"]["cells"]:
        observation = by_probe.get(cell["method"])
        headers = observation["headers"] if observation else {}
        layer = ", ".join(v for k in ("server", "via") if (v := headers.get(k)))
        methods.append(
            MethodRow(
                method=cell["method"],
                status=status_of(observation, cell["status"]),
                verdict=cell["verdict"],
                verdict_hint=_VERDICT_HINTS.get(cell["verdict"], ""),
                observed=cell["observed"],
                source=cell["source"],
                allow=headers.get("allow", ""),
                allow_methods=headers.get("access-control-allow-methods", ""),
                layer=layer,
            )
        )
    preflights = [
        PreflightRow(
            method=o["method"],
            status=status_of(o),
            allow_origin=o["headers"].get("access-control-allow-origin", ""),
            allow_methods=o["headers"].get("access-control-allow-methods", ""),
            allow_credentials=o["headers"].get("access-control-allow-credentials", ""),
        )
        for o in document["observations"]
        if o["kind"] == "preflight"
    ]
    observations = [
        ObservationRow(
            probe=o["probe"],
            status=status_of(o),
            elapsed_ms=o["elapsed_ms"],
            headers=sorted(o["headers"].items()),
            body_excerpt=o["body_excerpt"],
            body_bytes=o["body_bytes"],
            body_truncated=o["body_truncated"],
        )
        for o in document["observations"]
    ]
    return RunView(
        service=document["service"],
        endpoint=document["endpoint"],
        environment=document["environment"],
        url=document["url"],
        policy=document["policy"],
        origin=document["origin"],
        probed_at=datetime.fromisoformat(document["started_at"]),
        summary=document["summary"],
        allow=document["matrix"]["allow"],
        allow_methods=document["matrix"]["allow_methods"],
        methods=methods,
        preflights=preflights,
        observations=observations,
        findings=document["findings"],
        finding_groups=severity_groups(document["findings"]),
        checklist=document["checklist"],
    )


def drift_view(document: dict[str, Any]) -> DriftView:
    finished = document["finished_at"]
    return DriftView(
        service=document["service"],
        check=document["check"],
        report_id=document["id"],
        state=document["state"],
        failure_reason=document["failure_reason"],
        drift_present=document["drift_present"],
        created_at=datetime.fromisoformat(document["created_at"]),
        finished_at=datetime.fromisoformat(finished) if finished else None,
        env_drift=document["env_drift"],
        regressions=document["regressions"],
        failures=document["failures"],
        env_drift_sections=[
            {"where": f["endpoint"], "groups": severity_groups([f])} for f in document["env_drift"]
        ],
        regression_sections=[
            {"where": f"{f['endpoint']} in {f['environment']}", "groups": severity_groups([f])}
            for f in document["regressions"]
        ],
    )
