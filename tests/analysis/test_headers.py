"""Allow / Access-Control-Allow-Methods parsing: strict about problems, never crashes."""

from hypothesis import given
from hypothesis import strategies as st

from diagnoser.analysis.headers import parse_method_list


def test_a_clean_list_has_no_problems() -> None:
    parsed = parse_method_list("GET, HEAD,POST ,\tOPTIONS")
    assert parsed.methods == {"GET", "HEAD", "POST", "OPTIONS"}
    assert parsed.problems == ()


def test_an_empty_allow_means_no_methods_and_is_valid() -> None:
    parsed = parse_method_list("")
    assert parsed.methods == frozenset()
    assert parsed.problems == ()


def test_lowercase_duplicate_and_invalid_tokens_are_each_reported() -> None:
    parsed = parse_method_list("get, GET, GET, FOO BAR, P@TCH")
    assert len(parsed.problems) == 4
    assert parsed.methods == {"get", "GET"}


def test_wildcard_is_recognised_not_taken_for_a_method() -> None:
    parsed = parse_method_list("*")
    assert parsed.wildcard
    assert parsed.methods == frozenset()


@given(st.text())
def test_any_header_value_parses_without_raising(value: str) -> None:
    parsed = parse_method_list(value)
    assert all("," not in m and m.strip() == m and m for m in parsed.methods)


@given(st.lists(st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]), unique=True))
def test_a_well_formed_list_round_trips(methods: list[str]) -> None:
    parsed = parse_method_list(", ".join(methods))
    assert parsed.methods == set(methods)
    assert parsed.problems == ()
