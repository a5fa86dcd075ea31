"""Checking what users type: target URLs, path templates and extra request headers.

Every refusal is an InvalidTarget whose message is one line saying what to do, so the
command line and the registration form can show it as is.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
NIL_UUID = str(uuid.UUID(int=0))

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f]")
# RFC 1123 labels plus "_" (common in internal service names); the host is lower-cased
# and IDNA-encoded before this check.
_HOST_NAME = re.compile(
    r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?"
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# RFC 9110 token: what a header name may contain.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class InvalidTarget(ValueError):
    """A URL, template or header that cannot be probed; the message says what to do."""


def validate_target_url(url: str) -> str:
    """The URL in normal form (lower-case scheme and host, no default port, no fragment).

    Raises InvalidTarget for anything the engine must not or cannot probe.
    """
    text = url.strip()
    if not text:
        raise InvalidTarget("the URL is empty; give a full URL like https://api.example.com/")
    if _CONTROL_OR_SPACE.search(text):
        raise InvalidTarget(
            "the URL contains spaces or control characters; percent-encode them (%20)"
        )
    _check_unicode(text, "the URL")
    if "://" not in text:
        raise InvalidTarget(
            f"{_short(text)} has no scheme; write it with http:// or https:// in front"
        )
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InvalidTarget(
            f"{_short(text)} is not a valid URL ({exc}); check its syntax"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidTarget(
            f"the scheme {scheme or parts.scheme!r} is not probed; use an http:// or https:// URL"
        )
    netloc = parts.netloc
    if "@" in netloc:
        raise InvalidTarget(
            "the URL carries credentials (user:password@); remove them and pass credentials "
            "with --header 'Authorization: ...'"
        )
    host = _normal_host(netloc)
    port = _port(netloc)
    authority = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _quote_non_ascii(parts.path) or "/"
    if not path.startswith("/"):
        raise InvalidTarget(f"{_short(text)} is not a valid URL; check the part after the host")
    query = f"?{_quote_non_ascii(parts.query)}" if parts.query else ""
    return f"{scheme}://{authority}{path}{query}"


def _check_unicode(text: str, what: str) -> None:
    # A lone surrogate (from JSON or YAML escapes) has no UTF-8 form to percent-encode.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidTarget(
            f"{what} contains a character that is not valid Unicode (a lone surrogate); retype it"
        ) from None


def _short(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _split_host_port(netloc: str) -> tuple[str, str | None]:
    if netloc.startswith("["):  # urlsplit has already checked the brackets
        literal, _, rest = netloc[1:].partition("]")
        return f"[{literal}]", rest[1:] if rest else None
    host, sep, port = netloc.rpartition(":")
    if not sep:
        return netloc, None
    return host, port


def _normal_host(netloc: str) -> str:
    host, _ = _split_host_port(netloc)
    if not host:
        raise InvalidTarget("the URL has no host name; write it like https://api.example.com/")
    if host.startswith("["):
        literal = host[1:-1]
        try:
            address = ipaddress.IPv6Address(literal)
        except ValueError:
            raise InvalidTarget(f"{literal!r} is not a valid IPv6 address; check it") from None
        return f"[{address.compressed}]"
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidTarget(f"{host!r} is not a valid host name; check its spelling") from None
    if not _HOST_NAME.fullmatch(ascii_host) or len(ascii_host) > 253:
        raise InvalidTarget(f"{host!r} is not a valid host name; check its spelling")
    return ascii_host


def _port(netloc: str) -> int | None:
    _, text = _split_host_port(netloc)
    if text is None or text == "":
        return None
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 65536:
        raise InvalidTarget(f"port {text!r} is not valid; use a number from 1 to 65535")
    return int(text)


def _quote_non_ascii(text: str) -> str:
    # Keep reserved characters and existing escapes as the user wrote them: re-quoting
    # would change what the server routes on.
    return quote(text, safe="".join(chr(c) for c in range(0x21, 0x7F)))


def fill_path(template: str, samples: Mapping[str, str]) -> str:
    """Replace `{name}` placeholders with URL-quoted sample values.

    A placeholder without a sample gets a value that points at no real object: the nil
    UUID when its name mentions "uuid", else "0". Routers reject a method before any
    handler looks the object up, so the probe learns the method support all the same.
    """

    if _CONTROL_OR_SPACE.search(template):
        # Caught here, at registration, rather than when every probe of it is refused.
        raise InvalidTarget(
            f"{_short(template)} contains spaces or control characters; percent-encode them (%20)"
        )
    _check_unicode(template, "the path")

    def value(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if not name:
            raise InvalidTarget(f"{_short(template)} has an empty placeholder {{}}; name it")
        sample = samples.get(name)
        if sample is None:
            sample = NIL_UUID if "uuid" in name.lower() else "0"
        _check_unicode(sample, f"the sample for {{{name}}}")
        return quote(sample, safe="")

    filled = _PLACEHOLDER.sub(value, template)
    if "{" in filled or "}" in filled:
        raise InvalidTarget(
            f"{_short(template)} has unbalanced braces; write placeholders as {{name}}"
        )
    return filled


def placeholders(template: str) -> tuple[str, ...]:
    """The placeholder names in a path template, in order."""
    return tuple(match.group(1).strip() for match in _PLACEHOLDER.finditer(template))


# Headers that frame the message or manage the connection (RFC 9110 7.6.1, RFC 9112 6, 9.6):
# the engine sets them. A user's Content-Length or Transfer-Encoding would desynchronise a
# kept-alive connection, and a wrong Host or Connection changes which server answers.
FRAMING_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "proxy-connection",
    }
)
# A header this long already makes most servers answer 431 (nginx's default buffer is 8 KiB
# for the whole line): every probe would be rejected before routing.
MAX_HEADER_VALUE_BYTES = 8 * 1024


def validate_header(name: str, value: str) -> tuple[str, str]:
    """An extra request header, checked so it cannot smuggle a second header or request,
    reframe the message or outgrow what servers accept."""
    name = name.strip()
    value = value.strip()
    if not _TOKEN.fullmatch(name):
        raise InvalidTarget(
            f"{_short(name)} is not a valid header name; use letters, digits and dashes"
        )
    lowered = name.lower()
    if lowered in FRAMING_HEADERS or lowered.startswith("proxy-"):
        raise InvalidTarget(
            f"{name} frames the request or manages the connection, so the probe sets it "
            "itself; remove it (credentials go in Authorization, Cookie or an API-key header)"
        )
    if _BAD_VALUE.search(value):
        raise InvalidTarget(
            f"the value of header {name} contains line breaks or control characters; remove them"
        )
    try:
        value.encode("latin-1")  # what HTTP/1.1 sends header values as
    except UnicodeEncodeError:
        raise InvalidTarget(
            f"the value of header {name} has characters a header can't carry (only Latin-1); "
            "encode them, for example as base64"
        ) from None
    if len(value) > MAX_HEADER_VALUE_BYTES:  # Latin-1: one byte a character
        raise InvalidTarget(
            f"the value of header {name} is longer than {MAX_HEADER_VALUE_BYTES // 1024} KiB; "
            "servers refuse such requests (431) before routing, so no method could be judged"
        )
    return name, value


def parse_header(line: str) -> tuple[str, str]:
    """A header from a "Name: value" line (the --header format)."""
    name, sep, value = line.partition(":")
    if not sep:
        raise InvalidTarget(f"{_short(line)} is not a header; write it as 'Name: value'")
    return validate_header(name, value)
