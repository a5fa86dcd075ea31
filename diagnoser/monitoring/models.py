"""Probe history: runs, de-duplicated observations and findings, drift checks and reports.

A target is an endpoint in one environment. Each run points at a StoredObservation; a
run whose probes saw exactly what the target's previous observation holds points at that
same row, so an unchanged sweep adds one run row per target and nothing else.
"""

from typing import Any

from django.db import models
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from diagnoser.inventory.models import Endpoint, Environment, LiveManager, Service


class Trigger(models.TextChoices):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    DRIFT_CHECK = "drift_check"


class StoredObservation(models.Model):
    """What one target answered, stored once per change."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    # sha256 of the observations without volatile parts (timings, request ids, bodies).
    content_hash = models.CharField(max_length=64)
    observations = models.JSONField()  # serialised Observation dataclasses, plan order
    matrix = models.JSONField()  # serialised MethodMatrix
    url = models.CharField(max_length=600)
    policy = models.CharField(max_length=10)
    notes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["endpoint", "environment", "-created_at"], name="obs_target_latest"
            )
        ]

    def __str__(self) -> str:
        return f"observation {self.id} of {self.url}"


class StoredFinding(models.Model):
    observation = models.ForeignKey(
        StoredObservation, on_delete=models.CASCADE, related_name="findings"
    )
    rule = models.CharField(max_length=64)
    severity = models.CharField(max_length=10)
    title = models.CharField(max_length=500)
    explanation = models.TextField()
    evidence = models.JSONField()
    fix = models.JSONField()
    reproduce = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["rule"], name="finding_rule")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.title}"


class DriftCheck(models.Model):
    """Compare environments of a service (or chosen endpoints) on a schedule."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="drift_checks")
    name = models.CharField(max_length=100)
    # Empty selections mean "all of the service's endpoints / environments".
    endpoints = models.ManyToManyField(Endpoint, blank=True, related_name="+")
    environments = models.ManyToManyField(Environment, blank=True, related_name="+")
    every_seconds = models.PositiveIntegerField(null=True, blank=True)
    crontab = models.CharField(max_length=100, blank=True)  # "m h dom mon dow"
    enabled = models.BooleanField(default=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    # The beat entry, kept in step by drift_check_schedule_sync.
    periodic_task = models.OneToOneField(
        PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Archived: kept with its reports, its schedule off, out of the drift page's list.
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = LiveManager()
    all_objects: models.Manager["DriftCheck"] = models.Manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="drift_check_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.service.name}/{self.name}"


class DriftReport(models.Model):
    class State(models.TextChoices):
        RUNNING = "running"  # waiting for its probe runs
        FINISHING = "finishing"  # claimed by the task that compares
        DONE = "done"
        FAILED = "failed"

    drift_check = models.ForeignKey(DriftCheck, on_delete=models.CASCADE, related_name="reports")
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    failure_reason = models.TextField(blank=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drift_present = models.BooleanField(default=False)
    # Serialised Finding dataclasses with "endpoint" (path) and, for regressions, "environment".
    env_drift = models.JSONField(default=list)
    regressions = models.JSONField(default=list)
    # Targets whose probe run failed: [{"endpoint", "environment", "reason"}].
    failures = models.JSONField(default=list)
    # The runs it compares, one per target: the newest of each target if recent enough
    # (or pending), else one queued for it. A run may serve several checks' reports.
    runs: "models.ManyToManyField[ProbeRun, Any]" = models.ManyToManyField(
        "ProbeRun", blank=True, related_name="drift_reports"
    )
    # The schedule slot beat sent this report for (see monitoring/beat.py); null when
    # started by hand. Unique per check, so a second beat or a redelivered message for
    # the same slot finds the report instead of making another.
    scheduled_for = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["drift_check", "state", "-created_at"], name="report_check_latest")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["drift_check", "scheduled_for"], name="drift_report_once_per_slot"
            )
        ]

    def __str__(self) -> str:
        return f"drift report {self.id} ({self.state})"


class ProbeRun(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    # A worker has yet to finish it: no second run of its target is queued meanwhile.
    PENDING = (State.QUEUED, State.RUNNING)

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="runs")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    failure_reason = models.TextField(blank=True)
    observation = models.ForeignKey(
        StoredObservation, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    changed = models.BooleanField(default=False)  # stored a new observation
    queued_at = models.DateTimeField(auto_now_add=True)
    # When its task message was last handed to the broker: a run still queued long after
    # lost its message (a broker restarted without persistence) and is published again.
    published_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            # latest finished run per target: WHERE endpoint=? AND environment=? AND
            # state='done' ORDER BY finished_at DESC LIMIT 1
            models.Index(
                fields=["endpoint", "environment", "-finished_at"],
                condition=models.Q(state="done"),
                name="run_target_latest_done",
            ),
            models.Index(fields=["state", "started_at"], name="run_state_started"),
            models.Index(fields=["queued_at"], name="run_queued_at"),
            models.Index(
                fields=["published_at"],
                condition=models.Q(state="queued"),
                name="run_queued_published",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.id} ({self.state})"


class LatestRun(models.Model):
    """The newest finished run of each target, with what the pages show of it, kept by
    run_record.

    The dashboard reads thousands of targets at once: reading this table is one scan,
    where finding each target's newest run in its history took an index seek per target
    and then a lookup of that run (bench/README.md).
    """

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="latest_runs")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    # Pruning the run (retention) drops the pointer: the target reads as not probed.
    run = models.OneToOneField(ProbeRun, on_delete=models.CASCADE, related_name="+")
    # Copies of the run's, which never change once it is done.
    finished_at = models.DateTimeField()
    observation = models.ForeignKey(StoredObservation, on_delete=models.CASCADE, related_name="+")
    # serialize.verdicts_to_text of the observation's matrix, and its most severe finding
    # (empty when none): the overview and service pages read these instead of loading
    # every matrix and finding.
    verdicts = models.CharField(max_length=300)
    worst_severity = models.CharField(max_length=10, blank=True)
    worst_rule = models.CharField(max_length=64, blank=True)
    worst_title = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "environment"], name="latest_run_target")
        ]

    def __str__(self) -> str:
        return f"latest run {self.run_id} of endpoint {self.endpoint_id} in {self.environment_id}"


class WebhookDelivery(models.Model):
    """One attempt to notify a drift check's webhook."""

    report = models.ForeignKey(DriftReport, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20)  # drift_appeared / drift_resolved
    url = models.URLField(max_length=500)
    attempt = models.PositiveSmallIntegerField()
    ok = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    elapsed_ms = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.event} attempt {self.attempt} to {self.url}"


# Alerts live in their own module; imported here so Django registers them with the app.
from diagnoser.monitoring.alert_models import AlertChannel, AlertDelivery  # noqa: E402, F401
