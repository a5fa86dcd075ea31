"""What users type: URLs, path templates and headers, checked before anything is sent."""

from __future__ import annotations

import string
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagnoser.probing.urls import (
    NIL_UUID,
    InvalidTarget,
    fill_path,
    parse_header,
    validate_target_url,
)


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("https://API.Example.com", "https://api.example.com/"),
        ("HTTP://example.com:80/a?b=1#frag", "http://example.com/a?b=1"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("  https://example.com/  ", "https://example.com/"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("http://[0:0::1]/", "http://[::1]/"),
        ("https://bücher.example/é", "https://xn--bcher-kva.example/%C3%A9"),
        ("http://2130706433/", "http://2130706433/"),
        ("https://example.com/users/{id}", "https://example.com/users/{id}"),
    ],
)
def test_valid_urls_come_back_normalised(url: str, normal: str) -> None:
    assert validate_target_url(url) == normal


@pytest.mark.parametrize(
    ("url", "advice"),
    [
        ("ftp://example.com/", "use an http:// or https:// URL"),
        ("file:///etc/passwd", "use an http:// or https:// URL"),
        ("gopher://127.0.0.1:25/", "use an http:// or https:// URL"),
        ("example.com/path", "http:// or https:// in front"),
        ("http:///path", "no host name"),
        ("http://example.com:99999/", "from 1 to 65535"),
        ("http://example.com:0/", "from 1 to 65535"),
        ("http://example.com:http/", "from 1 to 65535"),
        ("http://exa mple.com/", "spaces or control characters"),
        ("http://example.com/a\nb", "spaces or control characters"),
        ("http://user:pw@example.com/", "pass credentials with --header"),
        ("http://token@example.com/", "pass credentials with --header"),
        ("http://[::1/", "is not a valid URL"),
        ("http://[not-v6]/", "is not a valid URL"),
        ("http://exa_mple!.com/", "not a valid host name"),
        ("", "empty"),
    ],
)
def test_invalid_urls_are_refused_with_advice(url: str, advice: str) -> None:
    with pytest.raises(InvalidTarget) as refusal:
        validate_target_url(url)

    assert advice in str(refusal.value)
    assert "\n" not in str(refusal.value)


_hosts = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){0,2}", fullmatch=True)
_paths = st.lists(st.text(alphabet=string.ascii_letters + string.digits + "-._~", max_size=8))
_urls = st.builds(
    lambda scheme, host, port, segments: (
        f"{scheme}://{host}{'' if port is None else f':{port}'}/{'/'.join(segments)}"
    ),
    st.sampled_from(["http", "https", "HTTP", "Https"]),
    _hosts,
    st.none() | st.integers(1, 65535),
    _paths,
)


@given(st.text(max_size=200))
def test_any_text_is_either_a_normalised_url_or_refused_with_one_line(text: str) -> None:
    refusal = ""
    try:
        normal = validate_target_url(text)
    except InvalidTarget as exc:
        refusal = str(exc)
    if refusal:
        assert "\n" not in refusal
    else:
        assert normal.startswith(("http://", "https://"))
        assert validate_target_url(normal) == normal


@given(_urls)
def test_well_formed_urls_keep_their_host_port_and_path(url: str) -> None:
    normal = validate_target_url(url)

    parts, original = urlsplit(normal), urlsplit(url)
    assert parts.scheme == original.scheme.lower()
    assert parts.hostname == original.hostname
    assert parts.port in (original.port, None)
    assert parts.path == (original.path or "/")
    assert validate_target_url(normal) == normal


# "#" and "?" end the authority too: "user#@host" is the host "user", not userinfo.
@given(_urls, st.text(min_size=1, max_size=10).filter(lambda s: not set(s) & set("@/#?")))
def test_urls_with_userinfo_are_always_refused(url: str, user: str) -> None:
    scheme, rest = url.split("://", 1)
    with pytest.raises(InvalidTarget):
        validate_target_url(f"{scheme}://{user}@{rest}")


def test_placeholders_are_filled_with_quoted_samples() -> None:
    assert fill_path("/users/{id}/files/{name}", {"id": "42", "name": "a b/c"}) == (
        "/users/42/files/a%20b%2Fc"
    )


def test_placeholders_without_samples_point_at_nothing() -> None:
    assert fill_path("/orgs/{org}/keys/{keyUuid}", {}) == f"/orgs/0/keys/{NIL_UUID}"


@pytest.mark.parametrize("template", ["/users/{id", "/users/id}", "/a/{{id}}", "/x/{a{b}c}"])
def test_unbalanced_braces_are_refused(template: str) -> None:
    with pytest.raises(InvalidTarget, match="unbalanced braces"):
        fill_path(template, {})


def test_an_empty_placeholder_is_refused() -> None:
    with pytest.raises(InvalidTarget, match="empty placeholder"):
        fill_path("/users/{}", {})


_names = st.text(alphabet=string.ascii_letters + "_", min_size=1, max_size=8)


@given(st.dictionaries(_names, st.text(max_size=12), min_size=1, max_size=4))
def test_each_filled_segment_unquotes_to_its_sample(samples: dict[str, str]) -> None:
    template = "/" + "/".join(f"{{{name}}}" for name in samples)

    filled = fill_path(template, samples)

    assert [unquote(segment) for segment in filled.split("/")[1:]] == list(samples.values())
    assert "{" not in filled
    assert "}" not in filled


@given(st.text(alphabet="{}ab/", max_size=20))
def test_filling_ends_without_braces_or_refuses(template: str) -> None:
    try:
        filled = fill_path(template, {})
    except InvalidTarget:
        return
    assert "{" not in filled
    assert "}" not in filled


def test_a_header_line_is_split_into_name_and_value() -> None:
    assert parse_header("Authorization:  Bearer abc ") == ("Authorization", "Bearer abc")


@pytest.mark.parametrize(
    ("line", "advice"),
    [
        ("no colon here", "'Name: value'"),
        ("Bad Name: x", "not a valid header name"),
        ("X-A: 1\r\nX-B: 2", "line breaks"),
    ],
)
def test_bad_header_lines_are_refused(line: str, advice: str) -> None:
    with pytest.raises(InvalidTarget, match=advice):
        parse_header(line)


@pytest.mark.parametrize(
    "name",
    [
        "Host",
        "Content-Length",
        "transfer-encoding",
        "Connection",
        "Keep-Alive",
        "TE",
        "Trailer",
        "Upgrade",
        "Expect",
        "Proxy-Authorization",
        "Proxy-Connection",
    ],
)
def test_framing_and_hop_by_hop_headers_are_refused(name: str) -> None:
    with pytest.raises(InvalidTarget, match="frames the request or manages the connection"):
        parse_header(f"{name}: 60")


def test_a_header_value_servers_would_refuse_with_431_is_refused() -> None:
    with pytest.raises(InvalidTarget, match="longer than 8 KiB"):
        parse_header("X-Big: " + "a" * 200_000)


def test_a_header_value_of_the_largest_size_allowed_is_kept() -> None:
    assert parse_header("X-Big: " + "a" * 8192) == ("X-Big", "a" * 8192)
