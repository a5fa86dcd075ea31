"""Publishing tasks, with the one error callers see when the broker is down."""

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from celery import Celery
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from diagnoser.celery import app as default_app

log = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The broker refused or could not be reached; nothing was queued."""

    def __init__(self, broker_url: str, error: Exception) -> None:
        self.broker_url = broker_url
        self.error = error
        super().__init__(
            f"broker unavailable at {broker_url}: {str(error).rstrip('.')}. "
            "Start Redis (docker compose up -d redis) or point CELERY_BROKER_URL at a "
            "running broker, then run again; the registration was saved and the affected "
            "runs are marked failed."
        )


def _redacted_broker_url(app: Celery) -> str:
    return str(maybe_sanitize_url(app.conf.broker_url))


def publish_many(
    task_name: str,
    calls: Iterable[Sequence[Any]],
    *,
    countdown: float | None = None,
    app: Celery = default_app,
) -> None:
    """Send one message per argument tuple over one connection.

    Raises BrokerUnavailable after the publish retry policy (a few seconds) runs out.
    """
    calls = list(calls)
    if not calls:
        return
    try:
        with app.producer_or_acquire() as producer:
            for args in calls:
                app.send_task(task_name, args=tuple(args), countdown=countdown, producer=producer)
    except (OperationalError, OSError) as error:
        raise BrokerUnavailable(_redacted_broker_url(app), error) from error


def publish(
    task_name: str, *args: Any, countdown: float | None = None, app: Celery = default_app
) -> None:
    publish_many(task_name, [args], countdown=countdown, app=app)
