"""Per-host concurrency caps that never park a worker thread.

A job whose host is at its cap waits in that host's queue, not in a worker: a busy host
cannot hold workers another host could use.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Executor, Future
from typing import Generic, TypeVar

T = TypeVar("T")


class HostGates(Generic[T]):
    """Runs jobs on `executor`, at most `cap` at a time per key (a (host, port) pair)."""

    def __init__(self, executor: Executor, cap: int) -> None:
        self._executor = executor
        self._cap = cap
        self._lock = threading.Lock()
        self._running: dict[Hashable, int] = {}
        self._waiting: dict[Hashable, deque[tuple[Callable[[], T], Future[T]]]] = {}

    def submit(self, key: Hashable, job: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            running = self._running.get(key, 0)
            if running >= self._cap:
                self._waiting.setdefault(key, deque()).append((job, future))
                return future
            self._running[key] = running + 1
        self._executor.submit(self._run, key, job, future)
        return future

    def _run(self, key: Hashable, job: Callable[[], T], future: Future[T]) -> None:
        # The worker keeps serving this key's queue while it has one: the slot it holds
        # belongs to the key, and handing it over through the executor gains nothing.
        while True:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as exc:
                    future.set_exception(exc)
            with self._lock:
                waiting = self._waiting.get(key)
                if not waiting:
                    self._waiting.pop(key, None)
                    remaining = self._running[key] - 1
                    if remaining:
                        self._running[key] = remaining
                    else:
                        del self._running[key]
                    return
                job, future = waiting.popleft()
