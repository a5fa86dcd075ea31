"""The probe engine: send every planned request for targets, concurrently, and report.

One engine owns one guarded session (pooled keep-alive connections), one thread pool and
one watchdog thread for total deadlines. Probes of one (host, port) wait for a free slot
before they take a worker, so a busy host never holds workers another host could use.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.response import BaseHTTPResponse

from .config import EngineConfig
from .deadline import Watchdog, watching
from .errors import describe_send_failure
from .gates import HostGates
from .model import (
    ErrorKind,
    Observation,
    ProbeReport,
    Target,
)
from .plan import plan_for
from .reading import Body, kept_headers, read_body, storable, stray_head_body
from .scrub import scrub_observation, secret_forms
from .transport import guarded_session
from .urls import DEFAULT_PORTS, InvalidTarget, fill_path, validate_header, validate_target_url
from .wire import PRECONDITION, Request, located, phantom_for, prepared_request, request_for

__all__ = ["PRECONDITION", "EngineConfig", "ProbeEngine"]

_HostKey = tuple[str, int]


@dataclass(frozen=True)
class _Prepared:
    """A target checked and turned into the requests to send."""

    url: str
    host_key: _HostKey
    display_host: str
    requests: tuple[Request, ...]
    pool: str  # the connection pool partition (pool_partition)


@dataclass(frozen=True)
class _Outcome:
    observation: Observation
    started: float  # time.time()
    start: float  # time.perf_counter()
    end: float


def pool_partition(target: Target) -> str:
    """Targets that may share kept-alive connections: same scope (a workspace) and same
    extra headers. A connection one scope's odd headers left in a bad state, or that a
    server tied to one caller's credentials, never carries another scope's probe."""
    digest = hashlib.sha256(target.scope.encode())
    for name, value in sorted(target.headers):
        digest.update(f"\0{name.lower()}\0{value}".encode())
    return digest.hexdigest()


class ProbeEngine:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        # One guarded session (and so one set of connection pools) per partition: a
        # connection is never reused by a target of another scope or other extra headers.
        self._sessions: dict[str, requests.Session] = {}
        self._sessions_lock = threading.Lock()
        self._timeout = (config.connect_timeout, config.read_timeout)
        self._executor = ThreadPoolExecutor(config.max_workers, "diagnoser-probe")
        self._gates: HostGates[_Outcome] = HostGates(self._executor, config.per_host_concurrency)
        self._watchdog = Watchdog()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._watchdog.close()
        with self._sessions_lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()

    def _adapter_for(self, pool: str) -> HTTPAdapter:
        with self._sessions_lock:
            session = self._sessions.get(pool)
            if session is None:
                session = self._sessions[pool] = guarded_session(self.config)
        adapter = session.get_adapter("http://")
        assert isinstance(adapter, HTTPAdapter)
        return adapter

    def probe(self, target: Target) -> ProbeReport:
        """Every planned probe of `target`, sent concurrently."""
        return self.probe_many([target])[0]

    def probe_many(self, targets: Iterable[Target]) -> list[ProbeReport]:
        """Every probe of every target, concurrently; reports in the order of `targets`."""
        return list(self.probe_each(targets))

    def probe_each(self, targets: Iterable[Target]) -> Iterator[ProbeReport]:
        """As probe_many, but each report as soon as its own probes are done (in the order
        of `targets`), so a caller can analyse the first while later ones are in flight.
        Every probe is queued before the first report is yielded."""
        batches: list[tuple[Target, _Prepared | InvalidTarget, list[Future[_Outcome]]]] = []
        for target in targets:
            prepared = self._prepare(target)
            futures: list[Future[_Outcome]] = []
            if isinstance(prepared, _Prepared):
                futures = [
                    self._gates.submit(prepared.host_key, partial(self._send, prepared, request))
                    for request in prepared.requests
                ]
            batches.append((target, prepared, futures))
        for target, prepared, futures in batches:
            yield self._report(target, prepared, futures)

    def _report(
        self,
        target: Target,
        prepared: _Prepared | InvalidTarget,
        futures: list[Future[_Outcome]],
    ) -> ProbeReport:
        if isinstance(prepared, InvalidTarget):
            message = f"not probed: {prepared}"
            observations = tuple(
                Observation(
                    probe=spec.name,
                    kind=spec.kind,
                    method=spec.method,
                    error_kind=ErrorKind.BLOCKED,
                    error=message,
                )
                for spec in plan_for(target)
            )
            return ProbeReport(target, observations, datetime.now(UTC), 0.0, notes=(message,))
        outcomes = [
            _settled(future, request)
            for future, request in zip(futures, prepared.requests, strict=True)
        ]
        first = min(outcomes, key=lambda o: o.start)
        secrets = secret_forms(value for _, value in target.headers)
        notes: tuple[str, ...] = ()
        if prepared.url != target.url:
            notes = (f"probed {prepared.url}",)
        return ProbeReport(
            target=target,
            observations=tuple(
                scrub_observation(located(o.observation, request), secrets)
                for o, request in zip(outcomes, prepared.requests, strict=True)
            ),
            started_at=datetime.fromtimestamp(first.started, UTC),
            elapsed_ms=round((max(o.end for o in outcomes) - first.start) * 1000, 3),
            notes=notes,
        )

    def _prepare(self, target: Target) -> _Prepared | InvalidTarget:
        try:
            url = validate_target_url(fill_path(target.url, {}))
            extra = tuple(validate_header(name, value) for name, value in target.headers)
        except InvalidTarget as exc:
            return exc
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        base = (
            ("User-Agent", self.config.user_agent),
            ("Accept", "*/*"),
            ("Accept-Encoding", "identity"),
        )
        phantom = phantom_for(target, url)
        if isinstance(phantom, InvalidTarget):
            return phantom
        planned = tuple(
            request_for(spec, base, extra, target.origin, phantom) for spec in plan_for(target)
        )
        return _Prepared(url, (host, port), parts.netloc, planned, pool_partition(target))

    def _send(self, prepared: _Prepared, request: Request) -> _Outcome:
        started = time.time()
        start = time.perf_counter()
        spec = request.spec
        watch = self._watchdog.watch(self.config.deadline)
        response: BaseHTTPResponse | None = None
        body: Body | None = None
        error: BaseException | None = None
        with watching(watch):
            try:
                response = (
                    self._adapter_for(prepared.pool)
                    .send(
                        prepared_request(
                            spec.http_method, request.url or prepared.url, request.headers
                        ),
                        stream=True,
                        timeout=self._timeout,
                        verify=True,
                    )
                    .raw
                )
                if spec.http_method == "HEAD":
                    body = stray_head_body(response, self.config.excerpt_chars)
                    response.read()  # nothing, by HTTP framing: releases the connection
                else:
                    body = read_body(
                        response,
                        limit=self.config.max_body_bytes,
                        excerpt_chars=self.config.excerpt_chars,
                    )
            except Exception as exc:
                error = exc
            finally:
                sent_head_body = spec.http_method == "HEAD" and body is not None and body.size > 0
                if response is not None and (
                    body is None or body.truncated or watch.expired or sent_head_body
                ):
                    # Unread bytes would corrupt the next request on this connection.
                    response.close()
                    response.release_conn()
                expired = watch.finish()
        end = time.perf_counter()
        elapsed_ms = round((end - start) * 1000, 3)
        if body is None or expired:
            status = f"{response.status} {response.reason or ''}".strip() if response else None
            kind, message = describe_send_failure(
                error, self.config, host=prepared.display_host, expired=expired, status=status
            )
            observation = Observation(
                probe=spec.name,
                kind=spec.kind,
                method=spec.method,
                elapsed_ms=elapsed_ms,
                error_kind=kind,
                error=storable(message),
                request_headers=request.recorded,
                peer_address=watch.peer_address,
            )
        else:
            assert response is not None
            headers, headers_cut = kept_headers(response)
            observation = Observation(
                probe=spec.name,
                kind=spec.kind,
                method=spec.method,
                status=response.status,
                reason=storable(response.reason or ""),
                headers=headers,
                headers_cut=headers_cut,
                body_bytes=body.size,
                body_truncated=body.truncated,
                body_excerpt=body.excerpt,
                elapsed_ms=elapsed_ms,
                request_headers=request.recorded,
                peer_address=watch.peer_address,
            )
        return _Outcome(observation, started, start, end)


def _settled(future: Future[_Outcome], request: Request) -> _Outcome:
    """The probe's outcome; a bug in the engine becomes an observation, not a crash."""
    error = future.exception()
    if error is None:
        return future.result()
    now = time.perf_counter()
    spec = request.spec
    detail = storable(" ".join(str(error).split()))
    observation = Observation(
        probe=spec.name,
        kind=spec.kind,
        method=spec.method,
        error_kind=ErrorKind.PROTOCOL,
        error=f"the probe failed unexpectedly ({type(error).__name__}: {detail}); please report it",
        request_headers=request.recorded,
    )
    return _Outcome(observation, time.time(), now, now)
