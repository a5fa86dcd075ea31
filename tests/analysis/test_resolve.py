"""Root causes on answers we can't run here (Apache httpd, IIS, Spring): reports built
from what those servers really send (their default error pages and Allow lists), and
the resolution pass on its own."""

from datetime import UTC, datetime

from diagnoser.analysis.answer import answer_for
from diagnoser.analysis.diagnose import diagnose
from diagnoser.analysis.model import Diagnosis, Evidence, Finding, Severity
from diagnoser.analysis.resolve import resolve
from diagnoser.probing.model import (
    PLAIN_METHODS,
    PREFLIGHT_METHODS,
    UNKNOWN_METHOD,
    Observation,
    ProbeKind,
    ProbeReport,
    Target,
)

URL = "http://api.example/items/1"

# Apache httpd 2.4's own 403 page with ServerSignature Off (the <address> line gone).
APACHE_403 = (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
    "<title>403 Forbidden</title>\n</head><body>\n<h1>Forbidden</h1>\n"
    "<p>You don't have permission to access this resource.</p>\n</body></html>\n"
)
# IIS's detailed error page for a verb its request filtering denies.
IIS_404_6 = (
    "<title>IIS 10.0 Detailed Error - 404.6 - Not Found</title></head><body>"
    '<div id="content"><div class="content-container"><h3>HTTP Error 404.6 - Not Found</h3>'
    "<h4>The request filtering module is configured to deny the HTTP verb.</h4>"
)


def _report(answers: dict[str, tuple[int, dict[str, str], str]], origin: str | None = None):
    """answers: probe name -> (status, headers, body); missing probes are left out."""
    observations = []
    for probe, (status, headers, body) in answers.items():
        kind = ProbeKind.PREFLIGHT if probe.startswith("preflight:") else ProbeKind.PLAIN
        observations.append(
            Observation(
                probe=probe,
                kind=kind,
                method=probe.partition(":")[2] if kind is ProbeKind.PREFLIGHT else probe,
                status=status,
                headers=tuple((k.lower(), v) for k, v in headers.items()),
                body_bytes=len(body),
                body_excerpt=body,
            )
        )
    return ProbeReport(Target(url=URL, origin=origin), tuple(observations), datetime.now(UTC), 10.0)


def _apache_limit_except_get() -> Diagnosis:
    server = {"Server": "Apache/2.4.57 (Debian)"}
    html = {**server, "Content-Type": "text/html; charset=iso-8859-1"}
    answers = dict.fromkeys((*PLAIN_METHODS, UNKNOWN_METHOD), (403, html, APACHE_403))
    answers["GET"] = (200, {**server, "Content-Type": "application/json"}, "{}")
    answers["HEAD"] = (200, {**server, "Content-Type": "application/json"}, "")
    for method in PREFLIGHT_METHODS:
        answers[f"preflight:{method}"] = (403, html, APACHE_403)
    return diagnose(_report(answers), method="PATCH")


def test_apache_limit_except_is_the_servers_own_restriction_named() -> None:
    diagnosis = _apache_limit_except_get()
    finding = next(f for f in diagnosis.findings if f.rule == "gateway_forbids_method")
    assert "LimitExcept" in finding.title
    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(finding.evidence.methods)
    assert any("<LimitExcept" in step for step in finding.fix)
    answer = answer_for(diagnosis, "PATCH")
    assert (answer.cause, answer.status) == ("gateway_forbids_method", 403)
    assert "<LimitExcept" in answer.fix
    step = next(s for s in diagnosis.checklist if s.title.startswith("3."))
    assert step.state == "problem"
    assert "LimitExcept" in step.detail


def test_iis_verb_filtering_is_forbidding_not_a_404_fall_through() -> None:
    server = {"Server": "Microsoft-IIS/10.0", "X-Powered-By": "ASP.NET"}
    answers = {
        "GET": (200, {**server, "Content-Type": "application/json"}, "{}"),
        "HEAD": (200, {**server, "Content-Type": "application/json"}, ""),
        "POST": (200, {**server, "Content-Type": "application/json"}, "{}"),
        "DELETE": (404, {**server, "Content-Type": "text/html"}, IIS_404_6),
        "OPTIONS": (200, {**server, "Allow": "OPTIONS, TRACE, GET, HEAD, POST"}, ""),
    }
    diagnosis = diagnose(_report(answers))
    rules = {f.rule for f in diagnosis.findings}
    assert "gateway_forbids_method" in rules
    assert "method_falls_to_404" not in rules
    answer = answer_for(diagnosis, "DELETE")
    assert answer.cause == "gateway_forbids_method"
    assert "requestFiltering" in answer.fix


def test_allow_lists_that_differ_only_by_head_and_options_are_consistent() -> None:
    # Spring's 405 lists the mapped methods; its OPTIONS answer adds HEAD and OPTIONS.
    json = {"Content-Type": "application/json"}
    answers = {
        "GET": (200, json, "{}"),
        "HEAD": (200, json, ""),
        "POST": (405, {**json, "Allow": "GET,PUT"}, "{}"),
        "PUT": (200, json, "{}"),
        "OPTIONS": (200, {"Allow": "GET,HEAD,PUT,OPTIONS"}, ""),
    }
    rules = {f.rule for f in diagnose(_report(answers)).findings}
    assert "inconsistent_allow" not in rules


def test_allow_lists_that_differ_by_a_real_method_are_still_inconsistent() -> None:
    json = {"Content-Type": "application/json"}
    answers = {
        "GET": (200, json, "{}"),
        "POST": (405, {**json, "Allow": "GET"}, "{}"),
        "PUT": (200, json, "{}"),
        "OPTIONS": (200, {"Allow": "GET,HEAD,PUT,OPTIONS"}, ""),
    }
    rules = {f.rule for f in diagnose(_report(answers)).findings}
    assert "inconsistent_allow" in rules


def test_a_waf_block_page_for_every_method_is_rejected_before_routing() -> None:
    page = (
        "<html><head><title>403 Forbidden</title></head><body><center><h1>403 "
        "Forbidden</h1></center><hr><center>nginx</center></body></html>"
    )
    html = {"Server": "nginx", "Content-Type": "text/html"}
    answers = {m: (403, html, page) for m in (*PLAIN_METHODS, UNKNOWN_METHOD) if m != "TRACE"}
    diagnosis = diagnose(_report(answers))
    assert [f.rule for f in diagnosis.findings] == ["rejected_before_routing"]
    assert answer_for(diagnosis, "DELETE").cause == "rejected_before_routing"


def _finding(rule: str, severity: Severity, methods: tuple[str, ...]) -> Finding:
    return Finding(rule, severity, f"{rule} title", "", Evidence(methods=methods), ())


def test_resolution_folds_explained_symptoms_and_sets_notes_apart() -> None:
    findings, notes = resolve(
        [
            _finding("preflight_header_not_allowed", Severity.ERROR, ("PUT",)),
            _finding("cors_not_enabled", Severity.ERROR, ("GET", "PUT")),
            _finding("precondition_ignored", Severity.INFO, ("PUT",)),
            _finding("head_not_supported", Severity.WARNING, ("HEAD",)),
        ]
    )
    assert [f.rule for f in findings] == ["cors_not_enabled", "head_not_supported"]
    assert "preflight_header_not_allowed: " in findings[0].evidence.detail
    assert [n.rule for n in notes] == ["precondition_ignored"]


def test_a_symptom_is_folded_only_for_the_methods_its_cause_explains() -> None:
    findings, _ = resolve(
        [
            _finding("gateway_forbids_method", Severity.WARNING, ("DELETE",)),
            _finding("method_falls_to_404", Severity.WARNING, ("DELETE", "PATCH")),
        ]
    )
    assert {f.rule for f in findings} == {"gateway_forbids_method", "method_falls_to_404"}


# Caddy 2.6 and lighttpd 1.4.69 (Debian 12), as they answered on 127.0.0.1: a Caddyfile
# `respond @write "Method Not Allowed" 405` block, and lighttpd serving a static file.
def test_caddys_respond_without_allow_is_fixed_in_the_caddyfile() -> None:
    server = {"Server": "Caddy", "Content-Type": "text/plain; charset=utf-8"}
    answers = dict.fromkeys(("POST", "PUT", "PATCH", "DELETE"), (405, server, "Method Not Allowed"))
    answers.update({"GET": (200, server, "[]"), "HEAD": (200, server, "")})
    answer = answer_for(diagnose(_report(answers), method="PATCH"), "PATCH")

    assert (answer.status, answer.cause) == (405, "missing_allow_on_405")
    assert 'header Allow "GET, HEAD"' in answer.fix


def test_lighttpd_answering_a_method_itself_says_so_and_where_to_route_it() -> None:
    server = {"Server": "lighttpd/1.4.69", "Content-Type": "text/html"}
    page = "<title>501 Not Implemented</title>"
    refused = ("PUT", "PATCH", "DELETE", "TRACE", UNKNOWN_METHOD)
    answers = dict.fromkeys(refused, (501, server, page))
    answers.update(
        {
            "GET": (200, server, "hi"),
            "HEAD": (200, server, ""),
            "OPTIONS": (200, {**server, "Allow": "OPTIONS, GET, HEAD, POST"}, ""),
        }
    )
    answer = answer_for(diagnose(_report(answers), method="PATCH"), "PATCH")

    assert (answer.status, answer.cause) == (501, "method_not_supported")
    assert answer.sentence.startswith("lighttpd answers PATCH with 501 itself")
    assert "proxy.server" in answer.fix


# Django Ninja 1.x, as it answered on 127.0.0.1: HttpResponseNotAllowed with its own body,
# and HEAD refused where only GET is declared.
def test_django_ninja_is_named_from_its_405_body_with_its_own_fixes() -> None:
    server = {"Server": "WSGIServer/0.2 CPython/3.11.7", "Content-Type": "text/html"}
    refused = (405, {**server, "Allow": "GET, DELETE"}, "Method not allowed")
    answers = dict.fromkeys(("HEAD", "POST", "PUT", "PATCH", "OPTIONS", UNKNOWN_METHOD), refused)
    answers.update({"GET": (200, server, '{"id": 5}'), "DELETE": (200, server, "{}")})
    diagnosis = diagnose(_report(answers), method="PATCH")

    answer = answer_for(diagnosis, "PATCH")
    assert (answer.status, answer.cause) == (405, "method_not_supported")
    assert "Django Ninja" in answer.sentence
    assert "@api.patch(path)" in answer.fix
    head = next(f for f in diagnosis.findings if f.rule == "head_not_supported")
    assert any("api_operation" in step for step in head.fix)
