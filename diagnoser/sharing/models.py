"""Share links: read-only, expiring URLs to a frozen snapshot of a run, of an endpoint (its
newest run in every environment) or of a drift report.

The token is shown once to its creator and never stored: the row keeps its sha256, so a
leaked database does not leak working links. The snapshot is taken at creation with
secrets redacted, so later runs, edits or pruning never change what a link shows; it
holds only what a stranger may see (no address connected to; no response bodies of a
target probed with secret headers unless the sharer opts in).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models

from diagnoser.inventory.models import Endpoint, Workspace
from diagnoser.monitoring.models import DriftReport, ProbeRun


class Expiry(models.IntegerChoices):
    """How long a link lives, in days."""

    DAY = 1, "1 day"
    WEEK = 7, "7 days"
    MONTH = 30, "30 days"

    @property
    def delta(self) -> timedelta:
        return timedelta(days=self.value)


class ShareLink(models.Model):
    class Kind(models.TextChoices):
        RUN = "run", "probe run"
        ENDPOINT = "endpoint", "endpoint, every environment"
        DRIFT_REPORT = "drift_report", "drift report"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="share_links")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # SET_NULL: retention may prune the run or report; the frozen snapshot stays valid.
    run = models.ForeignKey(
        ProbeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="share_links"
    )
    drift_report = models.ForeignKey(
        DriftReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="share_links"
    )
    endpoint = models.ForeignKey(
        Endpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="share_links"
    )
    # What the list of links shows ("specimen /items/{id} in prod"), so it needn't read snapshots.
    title = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the token
    snapshot = models.JSONField()  # the document the public page and exports render
    # The sharer's choice to keep response bodies in the snapshot of a target probed with
    # secret headers. Off by default: a server can echo a secret in a form no scrubber
    # knows (hashed, encrypted, split across lines), and a link needs no login.
    include_bodies = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="run", drift_report__isnull=True, endpoint__isnull=True)
                    | models.Q(kind="drift_report", run__isnull=True, endpoint__isnull=True)
                    | models.Q(kind="endpoint", run__isnull=True, drift_report__isnull=True)
                ),
                name="share_link_one_subject",
            )
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="share_workspace_new")]

    def __str__(self) -> str:
        return f"share link {self.id}: {self.title}"
