"""Hand an event to the channels whose rules want it: one delivery row per (channel,
event), published to a worker once the rows are committed. Finding the same event again
(a redelivered task, a second finisher) finds the rows and sends nothing more."""

import functools
import logging
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from diagnoser.monitoring.alert_models import AlertChannel, AlertDelivery
from diagnoser.monitoring.queue import BrokerUnavailable, publish_many

log = logging.getLogger(__name__)

SEND_TASK = "diagnoser.monitoring.tasks.send_alert"


def _publish(delivery_ids: Sequence[int]) -> None:
    try:
        publish_many(SEND_TASK, [(delivery_id, 1) for delivery_id in delivery_ids])
    except BrokerUnavailable:
        log.exception("could not queue alert deliveries %s", list(delivery_ids))


def deliveries_publish(*, delivery_ids: Sequence[int]) -> None:
    transaction.on_commit(functools.partial(_publish, list(delivery_ids)))


def alert_queue(
    *, channels: Sequence[AlertChannel], event: str, key: str, title: str, body: str
) -> list[AlertDelivery]:
    """Queue the event to each of `channels` that has not had it yet; the new rows."""
    created: list[AlertDelivery] = []
    for channel in channels:
        if event not in channel.events:
            continue
        try:
            with transaction.atomic():
                delivery, new = AlertDelivery.objects.get_or_create(
                    channel=channel,
                    event_key=key[:100],
                    defaults={"event": event, "title": title[:300], "body": body},
                )
        except IntegrityError:  # another worker queued it between our read and write
            continue
        if new:
            created.append(delivery)
    if created:
        deliveries_publish(delivery_ids=[d.id for d in created])
    return created


def service_channels(*, service_id: int) -> list[AlertChannel]:
    """The service's channels that take any event: [] costs the caller nothing more."""
    return [c for c in AlertChannel.objects.filter(service_id=service_id) if c.events]
