"""A service's alert channels as the pages show them: kind, the URL masked, the rules,
and delivery health (the last attempt: sent or failed, when, the error in words). One
query for all of them."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db.models import OuterRef, Subquery

from diagnoser.inventory.models import Service
from diagnoser.monitoring.alert_models import (
    ALERT_EVENT_HELP,
    AlertChannel,
    AlertDelivery,
    AlertEvent,
)
from diagnoser.probing.notify import channel_kind

# Schemes whose host is where alerts go and is no secret; for the others (slack://T/B/C)
# the whole URL is tokens.
_SHOWN_HOST = {"json", "jsons", "form", "forms", "ntfy", "ntfys", "mmost", "mmosts"}
_HEALTH_FIELDS = ("state", "error", "status_code", "attempted_at", "event", "attempts")


def channel_url_masked(url: str) -> str:
    """What a page may show of a channel URL: the scheme, and the host when it is no
    secret; never a token, a password or a path (webhook ids live there)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in _SHOWN_HOST and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{scheme}://{parts.hostname}{port}/••••"
    return f"{scheme}://••••"


@dataclass(frozen=True)
class Health:
    state: str  # sent / failed / pending (a retry is due) / sending
    at: datetime
    error: str
    status_code: int | None
    event: str
    attempts: int

    @property
    def ok(self) -> bool:
        return self.state == AlertDelivery.State.SENT

    @property
    def event_label(self) -> str:
        labels = dict(AlertEvent.choices)
        return str(labels.get(self.event, "test alert")).lower()


@dataclass(frozen=True)
class ChannelRow:
    channel: AlertChannel
    kind: str
    masked_url: str
    events: list[tuple[str, str, str, bool]]  # (value, label, help, chosen)
    health: Health | None  # None: nothing sent yet


def alert_channel_rows(*, service: Service) -> list[ChannelRow]:
    latest = AlertDelivery.objects.filter(
        channel=OuterRef("pk"), attempted_at__isnull=False
    ).order_by("-attempted_at", "-id")
    channels = AlertChannel.objects.filter(service=service).annotate(
        **{f"last_{name}": Subquery(latest.values(name)[:1]) for name in _HEALTH_FIELDS}
    )
    rows = []
    for channel in channels:
        health = None
        if channel.last_attempted_at is not None:  # type: ignore[attr-defined]
            health = Health(
                **{
                    ("at" if name == "attempted_at" else name): getattr(channel, f"last_{name}")
                    for name in _HEALTH_FIELDS
                }
            )
        rows.append(
            ChannelRow(
                channel=channel,
                kind=channel_kind(channel.url) or "unknown",
                masked_url=channel_url_masked(channel.url),
                events=[
                    (event.value, event.label, ALERT_EVENT_HELP[event], event in channel.events)
                    for event in AlertEvent
                ],
                health=health,
            )
        )
    return rows
