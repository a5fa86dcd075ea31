"""The watchdog: one thread that ends reads at their deadline by shutting the socket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from diagnoser.probing.deadline import Watchdog


@pytest.fixture
def watchdog() -> Iterator[Watchdog]:
    dog = Watchdog()
    yield dog
    dog.close()


@pytest.fixture
def sockets() -> Iterator[tuple[socket.socket, socket.socket, socket.socket]]:
    """A connected pair (left, right) and `watched`, a duplicate of left for the watchdog."""
    left, right = socket.socketpair()
    watched = left.dup()
    yield watched, left, right
    for sock in (watched, left, right):
        sock.close()


def test_it_ends_a_blocked_read_at_the_deadline(watchdog: Watchdog, sockets) -> None:
    watched, left, _ = sockets
    watch = watchdog.watch(0.2)
    watch.attach(watched, None)
    started = time.monotonic()

    assert left.recv(1) == b""  # would block forever without the watchdog

    assert time.monotonic() - started < 5
    assert watch.finish() is True


def test_a_finished_watch_leaves_its_socket_alone(watchdog: Watchdog, sockets) -> None:
    watched, left, right = sockets
    watch = watchdog.watch(0.05)
    watch.attach(watched, None)
    assert watch.finish() is False
    time.sleep(0.2)

    right.sendall(b"x")
    assert left.recv(1) == b"x"


def test_it_expires_watches_in_deadline_order_with_one_thread(watchdog: Watchdog) -> None:
    before = threading.active_count()
    late = watchdog.watch(0.4)
    early = watchdog.watch(0.1)
    assert threading.active_count() == before + 1

    time.sleep(0.25)
    assert early.expired
    assert not late.expired
