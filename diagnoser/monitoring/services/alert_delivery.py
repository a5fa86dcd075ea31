"""One attempt at one alert delivery, from a worker: claimed with a conditional UPDATE (a
redelivered task finds it sent or taken), sent through Apprise behind the outbound guard
(probing/notify.py), its outcome kept on the row as the channel's delivery health."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from diagnoser.monitoring.alert_models import AlertDelivery
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.probing.notify import notify_once


def _claimable() -> Q:
    # A claim older than any task may live lost its worker: it may be taken again.
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return Q(state=AlertDelivery.State.PENDING) | Q(
        state=AlertDelivery.State.SENDING, attempted_at__lt=stale
    )


def alert_delivery_send(*, delivery_id: int, attempt: int) -> AlertDelivery | None:
    """Send attempt `attempt`; None when it is not this task's to send (sent, failed for
    good, or another attempt holds it). The row says how it went."""
    claimed = AlertDelivery.objects.filter(
        _claimable(), id=delivery_id, attempts=attempt - 1
    ).update(state=AlertDelivery.State.SENDING, attempts=attempt, attempted_at=timezone.now())
    if not claimed:
        return None
    delivery = AlertDelivery.objects.select_related("channel").get(id=delivery_id)
    sent = notify_once(
        url=delivery.channel.url,
        title=delivery.title,
        body=delivery.body,
        config=engine_config(),
        smtp_hosts=settings.DIAGNOSER_ALERT_SMTP_HOSTS,
    )
    if sent.ok:
        state = AlertDelivery.State.SENT
    elif attempt < settings.DIAGNOSER_WEBHOOK_MAX_ATTEMPTS and delivery.event != "test":
        state = AlertDelivery.State.PENDING
    else:
        state = AlertDelivery.State.FAILED
    delivery.state = state
    delivery.error = sent.error
    delivery.status_code = sent.status
    delivery.attempted_at = timezone.now()
    delivery.save(update_fields=["state", "error", "status_code", "attempted_at"])
    return delivery
