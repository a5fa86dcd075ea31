"""What the CI gate accepts, fails and reports gone, on hand-built findings."""

import pytest

from diagnoser.analysis.baseline import BadBaseline, baseline_entries, baseline_text
from diagnoser.analysis.gate import Entry, Subject, fingerprint, judge
from diagnoser.analysis.model import Evidence, Finding, Severity

ITEMS = "https://api.example/items/{id}"


def finding(rule: str, *methods: str, title: str = "", severity=Severity.ERROR) -> Finding:
    return Finding(rule, severity, title or rule, "", Evidence(methods=methods), ())


def subject(*findings: Finding, key: str = ITEMS) -> Subject:
    return Subject(key, key, key, findings, ())


def test_a_finding_is_accepted_only_when_the_baseline_has_every_method_it_names() -> None:
    baseline = {Entry(ITEMS, "missing_allow_on_405", "PUT")}
    same = judge([subject(finding("missing_allow_on_405", "PUT"))], baseline)
    grown = judge([subject(finding("missing_allow_on_405", "PUT", "PATCH"))], baseline)

    assert same.failing(Severity.ERROR) == ()
    assert len(same.suppressed(Severity.ERROR)) == 1
    assert len(grown.failing(Severity.ERROR)) == 1


def test_gone_entries_are_only_those_of_subjects_judged_now() -> None:
    other = "https://api.example/health"
    baseline = {Entry(ITEMS, "trace_enabled", "TRACE"), Entry(other, "trace_enabled", "TRACE")}

    result = judge([subject()], baseline)

    assert result.gone == (Entry(ITEMS, "trace_enabled", "TRACE"),)


def test_warnings_fail_only_at_the_warning_threshold() -> None:
    result = judge([subject(finding("trace_enabled", "TRACE", severity=Severity.WARNING))])
    assert result.failing(Severity.ERROR) == ()
    assert len(result.failing(Severity.WARNING)) == 1


def test_fingerprints_ignore_wording_and_method_order_but_not_the_key() -> None:
    a = finding("missing_allow_on_405", "PUT", "PATCH", title="405 for PUT at 10:02")
    b = finding("missing_allow_on_405", "PATCH", "PUT", title="405 for PUT at 10:17")

    assert fingerprint(subject(a), a) == fingerprint(subject(b), b)
    assert fingerprint(subject(a), a) != fingerprint(subject(a, key="https://b/items/{id}"), a)


def test_a_baseline_file_reads_back_what_was_written() -> None:
    entries = {Entry(ITEMS, "missing_allow_on_405", "PUT"), Entry(ITEMS, "cors_not_enabled", "")}
    assert baseline_entries(baseline_text(entries)) == entries


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"schema": "other/1"}',
        '{"schema": "diagnoser.baseline/1", "entries": [{}]}',
    ],
)
def test_a_file_that_is_not_a_baseline_says_to_write_one(text: str) -> None:
    with pytest.raises(BadBaseline, match="--write-baseline"):
        baseline_entries(text)
