"""Requests that are not probes (webhooks, test alerts, any future fetch such as a spec
URL), sent with the probe engine's guarantees: the guarded address, a total deadline a
trickling server cannot stretch, a capped raw read that never decompresses, no redirects.

Everything that leaves the server goes through here or through the engine: a webhook
answering 300 MB, a gzip bomb or one byte every two seconds costs at most `max_bytes` and
`config.deadline`, in a web process as in a worker.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from .config import EngineConfig
from .deadline import Watchdog, watching
from .errors import describe_send_failure
from .reading import read_raw
from .transport import guarded_session

DEFAULT_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class OutboundResult:
    status: int | None  # None when no response came
    body: bytes  # at most the cap, undecoded
    truncated: bool  # the server sent more than the cap
    elapsed_ms: float
    error: str = ""  # one line saying what went wrong and what to check; "" with a response

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


_watchdog: Watchdog | None = None
_watchdog_lock = threading.Lock()


def _shared_watchdog() -> Watchdog:
    """One watchdog thread per process for every outbound request, started on first use."""
    global _watchdog
    with _watchdog_lock:
        if _watchdog is None:
            _watchdog = Watchdog()
        return _watchdog


@dataclass(frozen=True)
class Exchange:
    """One guarded request's raw outcome: the response (its body already read, capped)
    or the failure, said in one line."""

    response: requests.Response | None
    body: bytes
    truncated: bool
    elapsed_ms: float
    error: str


def exchange(
    *,
    method: str,
    url: str,
    config: EngineConfig,
    data: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Exchange:
    """Send one request on a connection of its own and read at most `max_bytes` of the
    answer within `config.deadline`. Never raises for what the network or the server did:
    `error` says it."""
    start = time.perf_counter()
    watch = _shared_watchdog().watch(config.deadline)
    response: requests.Response | None = None
    body, truncated, error = b"", False, None
    # A session per request: its connection is never reused by another caller, so one
    # workspace's webhook cannot leave bytes another's reads.
    with guarded_session(config) as session, watching(watch):
        try:
            response = session.request(
                method,
                url,
                data=data,
                headers=dict(headers or {}),
                timeout=(config.connect_timeout, config.read_timeout),
                allow_redirects=False,
                stream=True,
            )
            body, _, truncated = read_raw(response.raw, limit=max_bytes, keep=max_bytes)
            response.close()
        except Exception as exc:  # every failure becomes the result's one-line error
            error = exc
        finally:
            expired = watch.finish()
    elapsed_ms = round((time.perf_counter() - start) * 1000, 3)
    if error is None and not expired:
        return Exchange(response, body, truncated, elapsed_ms, "")
    _, message = describe_send_failure(
        error,
        config,
        host=urlsplit(url).netloc,
        expired=expired,
        status=None if response is None else str(response.status_code),
    )
    return Exchange(None, b"", False, elapsed_ms, message)


def send_once(
    *,
    method: str,
    url: str,
    config: EngineConfig,
    json_body: object = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> OutboundResult:
    """`exchange` with an optional JSON body, as a status and the capped body."""
    data = None if json_body is None else json.dumps(json_body).encode("utf-8")
    sent_headers = dict(headers or {})
    if data is not None:
        sent_headers.setdefault("Content-Type", "application/json")
    sent = exchange(
        method=method, url=url, config=config, data=data, headers=sent_headers, max_bytes=max_bytes
    )
    if sent.response is None:
        return OutboundResult(None, b"", False, sent.elapsed_ms, sent.error)
    return OutboundResult(sent.response.status_code, sent.body, sent.truncated, sent.elapsed_ms)
