"""Whatever a hostile server answers, analysis explains it and never crashes.

Hypothesis builds reports from arbitrary statuses, header values (any text, including
HTML, script and control characters) and body excerpts; diagnose() must return findings
and a checklist for every one of them.
"""

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.layers import identify
from diagnoser.monitoring.export import diagnosis_document
from diagnoser.probing.model import (
    ErrorKind,
    Observation,
    ProbeKind,
    ProbePolicy,
    ProbeReport,
    Target,
)
from diagnoser.probing.plan import plan_probes

HEADER_NAMES = [
    "allow",
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-allow-credentials",
    "location",
    "server",
    "via",
    "content-type",
    "x-powered-by",
    "x-amzn-errortype",
    "x-amzn-requestid",
]
header_values = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["GET, POST", "*", "get,, PUT", "<script>alert(1)</script>", "true", "nginx"]),
)
statuses = st.one_of(st.none(), st.integers(min_value=100, max_value=599))


@st.composite
def observations(draw: st.DrawFn, probe: str, kind: ProbeKind, method: str) -> Observation:
    status = draw(statuses)
    if status is None:
        return Observation(
            probe=probe,
            kind=kind,
            method=method,
            error_kind=draw(st.sampled_from(list(ErrorKind))),
            error=draw(st.text(max_size=40)),
        )
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_values), max_size=6))
    body = draw(st.text(max_size=200))
    return Observation(
        probe=probe,
        kind=kind,
        method=method,
        status=status,
        headers=tuple(headers),
        body_bytes=len(body.encode()),
        body_excerpt=body,
    )


@st.composite
def reports(draw: st.DrawFn) -> ProbeReport:
    policy = draw(st.sampled_from(list(ProbePolicy)))
    origin = draw(st.one_of(st.none(), st.just("https://app.example")))
    specs = plan_probes(policy)
    return ProbeReport(
        target=Target(url="http://api.example/items", origin=origin, policy=policy),
        observations=tuple(draw(observations(s.name, s.kind, s.method)) for s in specs),
        started_at=datetime.now(UTC),
        elapsed_ms=1.0,
    )


@settings(max_examples=150, deadline=None)
@given(reports())
def test_diagnose_explains_any_report_without_crashing(report: ProbeReport) -> None:
    diagnosis = diagnose(report)
    assert diagnosis.checklist, "the generic steps are always there"
    for finding in diagnosis.findings:
        assert finding.title
        assert finding.fix
    document = diagnosis_document(report, diagnosis)
    assert len(document["observations"]) == len(report.observations)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.dictionaries(st.sampled_from(HEADER_NAMES), header_values))
def test_layer_identification_accepts_any_body_and_headers(
    body: str, headers: dict[str, str]
) -> None:
    observation = Observation(
        probe="GET",
        kind=ProbeKind.PLAIN,
        method="GET",
        status=403,
        headers=tuple(headers.items()),
        body_excerpt=body,
    )
    assert identify(observation).label
