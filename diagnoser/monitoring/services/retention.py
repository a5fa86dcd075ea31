"""Pruning history older than DIAGNOSER_RETENTION_DAYS."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from diagnoser.monitoring.models import AlertDelivery, DriftReport, ProbeRun, StoredObservation


@dataclass(frozen=True)
class Pruned:
    runs: int
    reports: int
    observations: int


def history_prune(*, days: int | None = None) -> Pruned:
    """Delete finished runs and reports past retention, then observations no run uses.

    The newest observation of each target survives whatever its age: it is what the next
    run compares against, and what the dashboard shows.
    """
    cutoff = timezone.now() - timedelta(days=days or settings.DIAGNOSER_RETENTION_DAYS)
    finished = [ProbeRun.State.DONE, ProbeRun.State.FAILED]
    _, deleted = DriftReport.objects.filter(
        created_at__lt=cutoff, state__in=[DriftReport.State.DONE, DriftReport.State.FAILED]
    ).delete()
    _, more = ProbeRun.objects.filter(queued_at__lt=cutoff, state__in=finished).delete()
    newer_of_target = StoredObservation.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        environment_id=OuterRef("environment_id"),
        created_at__gt=OuterRef("created_at"),
    )
    orphans = StoredObservation.objects.filter(created_at__lt=cutoff).filter(
        ~Exists(ProbeRun.objects.filter(observation_id=OuterRef("pk"))),
        Exists(newer_of_target),
    )
    observations, _ = orphans.delete()
    # The channel's health reads its newest attempt; a pending retry is never cut short.
    AlertDelivery.objects.filter(
        created_at__lt=cutoff, state__in=[AlertDelivery.State.SENT, AlertDelivery.State.FAILED]
    ).delete()
    return Pruned(
        runs=deleted.get("monitoring.ProbeRun", 0) + more.get("monitoring.ProbeRun", 0),
        reports=deleted.get("monitoring.DriftReport", 0),
        observations=observations,
    )
