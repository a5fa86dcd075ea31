"""Alert channels of a service, what each is told, and every alert handed to one.

A channel is an Apprise URL (Slack, Teams workflows, PagerDuty, a generic JSON webhook...),
a secret stored encrypted. Its `events` are the service's alert rules for it. A delivery
is one event for one channel: unique per (channel, event key), so an event found twice
(a redelivered task) is sent once, and retries update the same row.
"""

from django.db import models

from diagnoser.inventory.fields import EncryptedTextField
from diagnoser.inventory.models import Service


class AlertEvent(models.TextChoices):
    NEW_FINDINGS = "new_findings", "New findings"
    METHOD_REGRESSION = "method_regression", "Method regressions"
    DRIFT = "drift", "Drift found or resolved"
    PROBE_FAILURE = "probe_failure", "Probe failures"
    CONTRACT = "contract", "Contract changes"


ALERT_EVENT_HELP = {
    AlertEvent.NEW_FINDINGS: "a new warning or error finding on a target",
    AlertEvent.METHOD_REGRESSION: "a method that worked now fails",
    AlertEvent.DRIFT: "a drift check found drift, or the drift is gone",
    AlertEvent.PROBE_FAILURE: "a target became unreachable, or its probe run failed",
    AlertEvent.CONTRACT: "a re-imported OpenAPI document added or removed methods of a path",
}


class AlertChannel(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="alert_channels")
    name = models.CharField(max_length=100)
    url = EncryptedTextField()  # the Apprise URL: holds tokens, never shown whole
    events = models.JSONField(default=list)  # AlertEvent values this channel is sent
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="alert_channel_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.service.name}/{self.name}"


class AlertDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"  # queued, or failed with attempts left
        SENDING = "sending"  # claimed by a worker
        SENT = "sent"
        FAILED = "failed"  # no attempts left

    channel = models.ForeignKey(AlertChannel, on_delete=models.CASCADE, related_name="deliveries")
    # What happened, once: "run:12:new_findings", "report:4:drift", "test:<uuid>".
    event_key = models.CharField(max_length=100)
    event = models.CharField(max_length=20)  # an AlertEvent value, or "test"
    title = models.CharField(max_length=300)
    body = models.TextField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)  # the last attempt's, in words
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "event_key"], name="alert_delivery_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["channel", "-attempted_at"], name="alert_delivery_latest")]

    def __str__(self) -> str:
        return f"{self.event_key} to channel {self.channel_id} ({self.state})"
