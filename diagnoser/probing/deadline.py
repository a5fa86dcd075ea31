"""Total deadlines for requests, enforced by one watchdog thread.

Socket timeouts restart with every byte, so a server trickling one byte a second would
hold a probe forever. Each request gets a `Watch`; the connection it runs on attaches a
duplicate of its socket, and when the deadline passes the watchdog shuts that socket down.
The blocked read then returns, and the caller sees `Watch.expired`.

The duplicate (`socket.dup()`) is what makes this safe: shutting down acts on the
connection, not the descriptor, and the duplicate is closed only under the watch's lock,
so the watchdog can never shut down a descriptor number some other connection reused.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Watch:
    """The deadline of one request and the socket it currently reads from."""

    __slots__ = ("_adopted", "_lock", "_sock", "deadline", "expired", "finished", "peer_address")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline  # time.monotonic() value
        self.expired = False
        self.finished = False
        self.peer_address: str | None = None
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._adopted: list[socket.socket] = []

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def attach(self, sock: socket.socket, peer_address: str | None) -> None:
        """The request now reads from `sock` (a duplicate owned by its connection)."""
        with self._lock:
            self.peer_address = peer_address
            if self.finished:
                return
            self._sock = sock
            if self.expired:
                _shut(sock)

    def adopt(self, sock: socket.socket) -> bool:
        """Take over closing `sock` (its connection closed while the request still runs).

        Returns False when the request is over: the caller closes the socket itself.
        """
        with self._lock:
            if self.finished:
                return False
            self._adopted.append(sock)
            return True

    def expire(self) -> None:
        with self._lock:
            if self.finished:
                return
            self.expired = True
            if self._sock is not None:
                _shut(self._sock)

    def finish(self) -> bool:
        """Mark the request over; returns whether the deadline had passed."""
        with self._lock:
            self.finished = True
            self._sock = None
            adopted, self._adopted = self._adopted, []
            expired = self.expired
        for sock in adopted:
            sock.close()
        return expired


def _shut(sock: socket.socket) -> None:
    # OSError: the peer closed first, so the read has returned anyway.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One thread expiring watches in deadline order (a heap), not a thread per request."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def watch(self, seconds: float) -> Watch:
        watch = Watch(time.monotonic() + seconds)
        with self._wakeup:
            if self._closed:
                raise RuntimeError("the watchdog is closed")
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="diagnoser-probe-watchdog", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is watch:
                self._wakeup.notify()
        return watch

    def close(self) -> None:
        with self._wakeup:
            self._closed = True
            self._wakeup.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            due: list[Watch] = []
            with self._wakeup:
                if self._closed:
                    return
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2].finished):
                    due.append(heapq.heappop(self._heap)[2])
                if not due:
                    timeout = self._heap[0][0] - now if self._heap else None
                    self._wakeup.wait(timeout)
            for watch in due:
                watch.expire()


_current = threading.local()


@contextmanager
def watching(watch: Watch) -> Iterator[Watch]:
    """Make `watch` the deadline for requests this thread sends inside the block."""
    previous = getattr(_current, "watch", None)
    _current.watch = watch
    try:
        yield watch
    finally:
        _current.watch = previous


def current_watch() -> Watch | None:
    watch: Watch | None = getattr(_current, "watch", None)
    return watch
