"""Reading what a server answered to one probe, within the engine's caps.

The body is read raw (no decompression) up to a byte cap, a HEAD answer is checked for
bytes it must not carry, and the headers worth keeping are decoded into text any
database stores. The engine decides when to read; this module decides how.
"""

from __future__ import annotations

import contextlib
import select
from dataclasses import dataclass
from typing import Any

from urllib3.response import BaseHTTPResponse

from .model import is_kept_header

_CHUNK = 16384
_HEAD_BODY_GRACE = 0.015  # seconds


@dataclass(frozen=True)
class Body:
    size: int  # bytes read, at most max_body_bytes
    truncated: bool
    excerpt: str


def read_raw(response: BaseHTTPResponse, *, limit: int, keep: int) -> tuple[bytes, int, bool]:
    """Read at most `limit` bytes of the body as sent (never decompressed: a gzip bomb
    stays its size on the wire), keeping the first `keep`. Returns (kept bytes, bytes
    read, whether the body went on past the cap)."""
    head = bytearray()
    total = 0
    # One byte past the cap tells a body that fits from one that was cut.
    while chunk := response.read(min(_CHUNK, limit + 1 - total), decode_content=False):
        total += len(chunk)
        if len(head) < keep:
            head += chunk[: keep - len(head)]
        if total > limit:
            return bytes(head), limit, True
    return bytes(head), total, False


def read_body(response: BaseHTTPResponse, *, limit: int, excerpt_chars: int) -> Body:
    """At most `limit` bytes of the body, streamed raw (no decompression), and an excerpt."""
    # UTF-8 needs at most 4 bytes a character.
    head, total, truncated = read_raw(response, limit=limit, keep=min(limit, excerpt_chars * 4))
    excerpt = storable(head.decode("utf-8", errors="replace")[:excerpt_chars])
    return Body(total, truncated, excerpt)


def stray_head_body(response: BaseHTTPResponse, excerpt_chars: int) -> Body:
    """Bytes already sent after a HEAD response's headers, which RFC 9110 9.3.2 forbids.

    HTTP framing says a HEAD response has no content, so http.client never reads them;
    they would be parsed as the start of the next response on this connection. Look at
    what has arrived without waiting for more (a server that sends a body with HEAD
    writes it with the headers), and let the caller close such a connection.
    """
    buffered = getattr(getattr(response, "_fp", None), "fp", None)  # http.client's reader
    # The socket under the reader: the connection's own is gone when it will close.
    sock = getattr(getattr(buffered, "raw", None), "_sock", None)
    if buffered is None or sock is None:
        return Body(0, False, "")
    timeout = sock.gettimeout()
    try:
        sock.settimeout(0)
        stray = _peek(buffered)
        # Servers often write the body right after flushing the headers: give it the
        # moment a second segment takes on a fast link.
        if not stray and select.select([sock], [], [], _HEAD_BODY_GRACE)[0]:
            stray = _peek(buffered)
    except (OSError, ValueError):
        stray = b""
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(timeout)
    excerpt = storable(stray.decode("utf-8", errors="replace")[:excerpt_chars])
    return Body(len(stray), False, excerpt)


def _peek(buffered: Any) -> bytes:
    """What the non-blocking reader holds or can read at once, without consuming it."""
    try:
        return bytes(buffered.peek(1) or b"")
    except BlockingIOError:
        return b""


# What one observation keeps of a server's headers: the ones in model.HEADER_TABLE, each
# value and all of them together capped. A hostile server sent 95 Access-Control-X-n
# headers of 60 KB each (45 MB stored per probe, a 45 MB page); diagnosis needs a few
# short values.
MAX_KEPT_VALUE_CHARS = 4096
MAX_KEPT_HEADER_CHARS = 64 * 1024
CUT_MARK = " [cut]"


def kept_headers(response: BaseHTTPResponse) -> tuple[tuple[tuple[str, str], ...], bool]:
    """The headers diagnosis reads, within the caps above; and whether any was cut or
    left out for them."""
    kept: list[tuple[str, str]] = []
    total = 0
    cut = False
    for name, value in response.headers.itermerged():
        if not is_kept_header(name):
            continue
        lower = name.lower()
        text = storable(_header_text(value))
        if len(text) > MAX_KEPT_VALUE_CHARS:
            text, cut = text[:MAX_KEPT_VALUE_CHARS] + CUT_MARK, True
        if total + len(lower) + len(text) > MAX_KEPT_HEADER_CHARS:
            cut = True
            continue
        total += len(lower) + len(text)
        kept.append((storable(lower), text))
    return tuple(kept), cut


def storable(text: str) -> str:
    """Server text with NUL shown as U+FFFD, as undecodable bytes are: PostgreSQL can store
    no NUL in text or jsonb, so one NUL byte in a body (any gzip body has some) would fail
    the whole run instead of recording it."""
    return text.replace("\x00", "\ufffd")


def _header_text(value: str) -> str:
    # http.client decodes header bytes as Latin-1; most servers that send non-ASCII
    # send UTF-8, and bytes that are neither become U+FFFD instead of mojibake.
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8", errors="replace")
    except UnicodeEncodeError:
        return value
