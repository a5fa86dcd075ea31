"""Database steps that survive a lost connection (PostgreSQL restarting)."""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

log = logging.getLogger(__name__)

# Pauses before each new try: about 15 s in all, longer than a restart takes.
DB_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)
T = TypeVar("T")


def with_db_retry(step: Callable[[], T], *, what: str) -> T:
    """Run `step`; after a lost connection, reconnect and run it again, with backoff.

    On PostgreSQL these errors mean the server went away (restarting) or something
    passing (a deadlock, a lock timeout) worth another try. SQLite has no server to come
    back, and its busy timeout has waited already: its errors go to the caller at once.
    `step` must be safe to run twice (its writes conditional, or in one transaction)."""
    for delay in DB_RETRY_DELAYS:
        try:
            return step()
        except (OperationalError, InterfaceError) as error:
            if connection.vendor != "postgresql":
                raise
            log.warning("%s: database unavailable (%s); again in %s s", what, error, delay)
            connection.close()  # this thread's; the next query opens a new one
            time.sleep(delay)
    return step()
