"""Alert channels: create, change, delete, test. The URL is checked when saved (a scheme
this server sends, an address the guard admits) and again by every send."""

import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from diagnoser.inventory.destinations import destination_check
from diagnoser.inventory.models import Service
from diagnoser.inventory.services import name_validate_unique
from diagnoser.monitoring.alert_models import AlertChannel, AlertDelivery, AlertEvent
from diagnoser.monitoring.services.alert_queue import deliveries_publish
from diagnoser.probing.guard import BlockedAddress
from diagnoser.probing.notify import ChannelRefused, channel_check

# Schemes whose URL names the host alerts go to (others name a token: slack://T.../B...).
_HOST_SCHEMES = {"json": "http", "jsons": "https", "form": "http", "forms": "https"}
_HOST_SCHEMES |= {"ntfy": "http", "ntfys": "https", "mmost": "http", "mmosts": "https"}


def channel_url_validate(*, url: str) -> str:
    url = url.strip()
    if not url:
        raise ValidationError({"url": "give the channel's Apprise URL, e.g. slack://… or json://…"})
    try:
        channel_check(url, smtp_hosts=settings.DIAGNOSER_ALERT_SMTP_HOSTS)
    except ChannelRefused as refused:
        raise ValidationError({"url": str(refused)}) from None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in _HOST_SCHEMES and parts.hostname:
        # Sending checks the address it connects to; checking here says it at once.
        port = f":{parts.port}" if parts.port else ""
        try:
            destination_check(f"{_HOST_SCHEMES[scheme]}://{parts.hostname}{port}/")
        except BlockedAddress as error:
            raise ValidationError({"url": f"alerts could not be sent there: {error}"}) from None
    return url


def _events_validate(events: Iterable[str]) -> list[str]:
    chosen = set(events)
    unknown = chosen - set(AlertEvent.values)
    if unknown:
        raise ValidationError({"events": f"unknown alert events: {', '.join(sorted(unknown))}"})
    return [e for e in AlertEvent.values if e in chosen]


def alert_channel_create(
    *, service: Service, name: str, url: str, events: Iterable[str]
) -> AlertChannel:
    name = name.strip()
    name_validate_unique(
        siblings=AlertChannel.objects.filter(service=service),
        value=name,
        owner=service,
        what=f"an alert channel named {name!r}",
    )
    return AlertChannel.objects.create(
        service=service,
        name=name,
        url=channel_url_validate(url=url),
        events=_events_validate(events),
    )


def alert_channel_rules_set(*, channel: AlertChannel, events: Iterable[str]) -> AlertChannel:
    """Which of the service's events go to this channel (its alert rules)."""
    channel.events = _events_validate(events)
    channel.save(update_fields=["events"])
    return channel


def alert_channel_delete(*, channel: AlertChannel) -> None:
    channel.delete()


def alert_channel_test(*, channel: AlertChannel) -> AlertDelivery:
    """Queue a test alert that a worker sends the way real ones go (healthchecks'
    notify(is_test=True)); its outcome shows as the channel's delivery health."""
    service = channel.service
    with transaction.atomic():
        delivery = AlertDelivery.objects.create(
            channel=channel,
            event_key=f"test:{uuid.uuid4().hex}",
            event="test",
            title=f"Test alert from diagnoser for {service.name}",
            body=f"Channel {channel.name} of {service.name} can receive alerts. "
            "Nothing needs doing.",
        )
        deliveries_publish(delivery_ids=[delivery.id])
    return delivery
