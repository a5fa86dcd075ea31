"""Every rule fires against a real server that shows the problem, and stays silent
against one that doesn't. The servers are real frameworks (tests/servers) run on
127.0.0.1; what each answers is recorded in tests/servers/OBSERVED.md."""

from dataclasses import dataclass

import pytest

from diagnoser.analysis.catalog import RULES
from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.model import Diagnosis, Severity
from diagnoser.analysis.resolve import precedence
from diagnoser.probing.engine import ProbeEngine
from diagnoser.probing.model import ProbePolicy, Target
from tests.servers.fixtures import Server, free_port

APP_ORIGIN = "https://app.example"


@dataclass(frozen=True)
class Case:
    server: str  # fixture name
    path: str
    fires: frozenset[str]
    silent: frozenset[str]
    origin: str | None = None
    # Notes: what our probing did, never findings.
    notes: frozenset[str] = frozenset()
    # Symptoms a cause explains: not findings, shown inside the cause's evidence.
    folded: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return f"{self.server}{self.path}" + (f"@{self.origin}" if self.origin else "")


def case(
    server: str,
    path: str,
    fires: str,
    silent: str,
    origin: str | None = None,
    *,
    notes: str = "",
    folded: str = "",
) -> Case:
    return Case(
        server,
        path,
        frozenset(fires.split()),
        frozenset(silent.split()),
        origin,
        frozenset(notes.split()),
        frozenset(folded.split()),
    )


CASES = [
    case(
        "nginx_server",
        "/static/hello.txt",
        fires="missing_allow_on_405 options_not_supported unknown_method_not_501",
        silent="head_not_supported trace_enabled gateway_forbids_method method_falls_to_404",
    ),
    case(
        "nginx_server",
        "/api/items",
        fires="gateway_forbids_method",
        silent="method_falls_to_404 server_error_on_method precondition_ignored",
    ),
    case(
        "nginx_server",
        "/form",
        fires="redirect_changes_method",
        silent="resource_not_found precondition_ignored",
    ),
    case(
        "django_server",
        "/items/",
        fires="head_not_supported cors_not_enabled",
        silent="missing_allow_on_405 allow_lists_rejected_method allowed_method_missing_from_allow "
        "inconsistent_allow gateway_forbids_method options_not_supported precondition_ignored",
        notes="precondition_ignored",
        folded="options_not_supported",
    ),
    case(
        "django_server",
        "/items",
        fires="redirect_changes_method",
        silent="resource_not_found missing_allow_on_405",
    ),
    case(
        "django_server",
        "/items/1/",
        fires="unknown_method_not_501",
        silent="options_not_supported head_not_supported head_get_mismatch "
        "allowed_method_missing_from_allow inconsistent_allow missing_allow_on_405 "
        "redirect_changes_method precondition_ignored",
        notes="precondition_ignored",
    ),
    case(
        "django_server",
        "/form/",
        fires="head_not_supported",
        # A CSRF 403 is the app's own authorisation, not a gateway blocking the verb.
        silent="gateway_forbids_method",
    ),
    case(
        "fastapi_server",
        "/items",
        fires="allowed_method_missing_from_allow head_not_supported cors_not_enabled",
        silent="missing_allow_on_405 inconsistent_allow options_not_supported",
        folded="options_not_supported",
    ),
    case(
        "fastapi_cors_server",
        "/items/1",
        fires="preflight_method_not_allowed preflight_allows_rejected_method",
        silent="preflight_missing_allow_origin cors_wildcard_with_credentials cors_not_enabled",
        origin=APP_ORIGIN,
    ),
    case(
        "flask_server",
        "/cors/items",
        # flask-cors says nothing to an origin it doesn't allow: for that origin the
        # server has no CORS at all, one cause.
        fires="cors_not_enabled",
        silent="cors_wildcard_with_credentials preflight_missing_allow_origin "
        "preflight_header_not_allowed preflight_method_not_allowed",
        origin="https://evil.example",
        folded="preflight_missing_allow_origin",
    ),
    case(
        "fastapi_cors_server",
        "/items/1",
        # CORSMiddleware refuses the origin with 400 and Access-Control-Allow-Methods but
        # no -Origin: the origin is the cause, not each method's preflight.
        fires="preflight_missing_allow_origin",
        silent="cors_not_enabled preflight_method_not_allowed",
        origin="https://evil.example",
        folded="preflight_method_not_allowed",
    ),
    case(
        "flask_server",
        "/cors/items",
        fires="preflight_allows_rejected_method",
        silent="preflight_missing_allow_origin preflight_method_not_allowed "
        "preflight_header_not_allowed options_not_supported",
        origin=APP_ORIGIN,
    ),
    case(
        "flask_server",
        "/items/1",
        fires="unknown_method_not_501",
        silent="head_not_supported head_get_mismatch options_not_supported "
        "allowed_method_missing_from_allow missing_allow_on_405 trace_enabled",
    ),
    case(
        "express_server",
        "/items",
        fires="method_falls_to_404",
        silent="missing_allow_on_405 resource_not_found unknown_method_not_501 head_not_supported",
    ),
    case(
        "stdlib_server",
        "/missing",
        fires="resource_not_found",
        silent="options_not_supported method_falls_to_404 probe_failed",
    ),
    case(
        "stdlib_server",
        "/items",
        fires="options_not_supported",
        silent="resource_not_found unknown_method_not_501 missing_allow_on_405 head_not_supported "
        "rejected_before_routing",
    ),
    case(
        "broken_gateway",
        "/broken",
        fires="missing_allow_on_405 allow_header_malformed head_get_mismatch trace_enabled "
        "unknown_method_not_501 gateway_forbids_method redirect_changes_method "
        "server_error_on_method cors_wildcard_with_credentials",
        # HEAD 404 beside a served GET is head_get_mismatch only, one symptom one rule.
        silent="resource_not_found probe_failed method_falls_to_404",
    ),
    case(
        "broken_gateway",
        "/lying-allow",
        fires="allow_lists_rejected_method",
        silent="missing_allow_on_405 allowed_method_missing_from_allow",
    ),
    case(
        "broken_gateway",
        "/inconsistent",
        fires="inconsistent_allow allowed_method_missing_from_allow",
        silent="allow_header_malformed",
    ),
    case(
        "broken_gateway",
        "/reflect",
        fires="cors_reflects_any_origin preflight_header_not_allowed",
        silent="cors_wildcard_with_credentials",
    ),
    case(
        "broken_gateway",
        "/correct",
        fires="",
        silent="cors_reflects_any_origin preflight_header_not_allowed preflight_method_not_allowed "
        "preflight_allows_rejected_method "
        "preflight_missing_allow_origin allow_header_malformed trace_enabled "
        "unknown_method_not_501 head_get_mismatch options_not_supported",
        origin=APP_ORIGIN,
    ),
    case(
        "broken_gateway",
        "/auth",
        fires="credentials_required",
        silent="resource_not_found gateway_forbids_method",
    ),
    case(
        "broken_gateway",
        "/api-gateway",
        fires="gateway_forbids_method",
        silent="credentials_required",
    ),
    case(
        "broken_gateway",
        "/head-body",
        fires="head_get_mismatch",
        silent="head_not_supported probe_failed",
    ),
    case(
        "broken_gateway",
        "/guarded",
        fires="",
        silent="precondition_ignored allowed_method_missing_from_allow",
    ),
]


def _diagnose(
    engine: ProbeEngine, server: Server, path: str, origin: str | None = None
) -> Diagnosis:
    return diagnose(engine.probe(Target(url=server.base_url + path, origin=origin)))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rules_fire_and_stay_silent_as_the_real_server_deserves(
    case: Case, loopback_engine: ProbeEngine, request: pytest.FixtureRequest
) -> None:
    server = request.getfixturevalue(case.server)
    diagnosis = _diagnose(loopback_engine, server, case.path, case.origin)
    fired = {f.rule for f in diagnosis.findings}
    titles = "\n".join(f"{f.rule}: {f.title}" for f in diagnosis.findings)
    assert case.fires <= fired, f"missing {case.fires - fired}; got:\n{titles}"
    assert not (case.silent & fired), f"should be silent: {case.silent & fired}; got:\n{titles}"
    assert case.notes <= {n.rule for n in diagnosis.notes}
    # One symptom, one rule: no method is the evidence of two routing or gateway causes.
    claimed: dict[str, str] = {}
    for finding in diagnosis.findings:
        if precedence(finding.rule) in (1, 2) and finding.severity is not Severity.INFO:
            for method in finding.evidence.methods:
                assert method not in claimed, f"{method}: {claimed[method]} and {finding.rule}"
                claimed[method] = finding.rule
    details = " ".join(f.evidence.detail for f in diagnosis.findings)
    for symptom in case.folded:
        assert f"{symptom}: " in details, f"{symptom} not folded into a cause; got:\n{titles}"


def test_every_single_report_rule_is_shown_firing_and_silent() -> None:
    drift_rules = {"env_allow_drift", "method_regression"}  # tests/analysis/test_drift.py
    # probe_failed and rejected_before_routing have tests of their own below.
    own_tests = {"probe_failed", "rejected_before_routing"}
    # The contract rules need a declared contract: tests/analysis/test_contract_on_real_servers.py
    contract_rules = {
        r for r in RULES if r.startswith(("contract_", "undocumented_", "undeclared_"))
    }
    fired = set().union(*(c.fires | c.notes for c in CASES)) | drift_rules | own_tests
    fired |= contract_rules
    silent = set().union(*(c.silent for c in CASES)) | drift_rules | contract_rules
    assert set(RULES) - fired == set()
    assert set(RULES) - silent == set()


def test_api_gateway_403_is_named_and_fixed_for_api_gateway(
    loopback_engine: ProbeEngine, broken_gateway: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, broken_gateway, "/api-gateway")
    finding = next(f for f in diagnosis.findings if f.rule == "gateway_forbids_method")
    assert "API Gateway" in (finding.evidence.layer or "")
    assert any("Missing Authentication Token" in step for step in finding.fix)


def test_nginx_limit_except_fix_names_limit_except(
    loopback_engine: ProbeEngine, nginx_server: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, nginx_server, "/api/items")
    finding = next(f for f in diagnosis.findings if f.rule == "gateway_forbids_method")
    assert set(finding.evidence.methods) >= {"POST", "PUT", "PATCH", "DELETE"}
    assert any("limit_except" in step for step in finding.fix)


def test_a_catch_all_answer_is_not_taken_for_a_real_method(
    loopback_engine: ProbeEngine, broken_gateway: Server
) -> None:
    diagnosis = _diagnose(loopback_engine, broken_gateway, "/broken")
    get = diagnosis.matrix.cell("GET")
    unknown = diagnosis.matrix.cell("XDIAGNOSE")
    assert get is not None
    assert get.note == ""
    assert unknown is not None
    assert unknown.status == 200


def test_refused_port_is_a_probe_failure_that_says_refused(loopback_engine: ProbeEngine) -> None:
    port = free_port()  # bound and released: nothing listens there
    diagnosis = diagnose(loopback_engine.probe(Target(url=f"http://127.0.0.1:{port}/")))
    assert [f.rule for f in diagnosis.findings] == ["probe_failed"]
    finding = diagnosis.findings[0]
    assert finding.severity is Severity.ERROR
    assert "refused" in finding.title


def test_safe_policy_infers_unsafe_methods_from_allow(
    loopback_engine: ProbeEngine, django_server: Server
) -> None:
    report = loopback_engine.probe(
        Target(url=django_server.base_url + "/items/1/", policy=ProbePolicy.SAFE)
    )
    matrix = diagnose(report).matrix
    put, post = matrix.cell("PUT"), matrix.cell("POST")
    assert put is not None
    assert post is not None
    assert (put.verdict.value, put.observed) == ("accepted", False)
    assert (post.verdict.value, post.observed) == ("rejected", False)
    assert "Allow" in put.source
    assert report.get("PUT") is None  # never sent


def test_findings_come_most_severe_first(
    loopback_engine: ProbeEngine, broken_gateway: Server
) -> None:
    ranks = [
        f.severity.rank for f in _diagnose(loopback_engine, broken_gateway, "/broken").findings
    ]
    assert ranks == sorted(ranks)


def test_reproduce_lines_never_show_secret_header_values(
    loopback_engine: ProbeEngine, broken_gateway: Server
) -> None:
    secret = "s3cr3t-token-value"
    report = loopback_engine.probe(
        Target(
            url=broken_gateway.base_url + "/broken",
            headers=(("Authorization", f"Bearer {secret}"), ("Accept", "application/json")),
        )
    )
    diagnosis = diagnose(report)
    text = repr(diagnosis) + repr(report.observations)
    assert secret not in text
    assert any(
        "Authorization: [redacted]" in line for f in diagnosis.findings for line in f.reproduce
    )


def test_a_body_sent_with_head_is_counted_and_does_not_poison_the_next_response(
    loopback_engine: ProbeEngine, broken_gateway: Server
) -> None:
    for _ in range(3):  # the same pooled connections are reused between rounds
        report = loopback_engine.probe(Target(url=broken_gateway.base_url + "/head-body"))
        head = report.get("HEAD")
        assert head is not None
        assert head.body_bytes == len(b"a body HEAD must not have\n")
        assert all(o.ok for o in report.observations), [o.error for o in report.observations]
        finding = next(f for f in diagnose(report).findings if f.rule == "head_get_mismatch")
        assert "bytes of content" in finding.title
