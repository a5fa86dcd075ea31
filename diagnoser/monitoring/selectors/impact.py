"""What archiving or deleting a service, environment, endpoint or drift check touches: the
history it has (runs, stored observations, drift reports), counted for the confirmation
page before anything goes."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun, StoredObservation


@dataclass(frozen=True)
class History:
    runs: QuerySet[ProbeRun]
    observations: QuerySet[StoredObservation]
    reports: QuerySet[DriftReport]
    # What a service holds that goes with it: ("environment", 2), ("endpoint", 14), ...
    parts: tuple[tuple[str, int], ...] = field(default=())


def service_history(*, service: Service) -> History:
    """Archived parts count too: they go with the service."""
    return History(
        runs=ProbeRun.objects.filter(endpoint__service=service),
        observations=StoredObservation.objects.filter(endpoint__service=service),
        reports=DriftReport.objects.filter(drift_check__service=service),
        parts=(
            ("environment", Environment.all_objects.filter(service=service).count()),
            ("endpoint", Endpoint.all_objects.filter(service=service).count()),
            ("drift check", DriftCheck.all_objects.filter(service=service).count()),
        ),
    )


def environment_history(*, environment: Environment) -> History:
    """A drift report compares several environments: it stays when one of them goes."""
    return History(
        runs=ProbeRun.objects.filter(environment=environment),
        observations=StoredObservation.objects.filter(environment=environment),
        reports=DriftReport.objects.none(),
    )


def endpoint_history(*, endpoint: Endpoint) -> History:
    return History(
        runs=ProbeRun.objects.filter(endpoint=endpoint),
        observations=StoredObservation.objects.filter(endpoint=endpoint),
        reports=DriftReport.objects.none(),
    )


def drift_check_history(*, check: DriftCheck) -> History:
    """Its reports; the runs they compared belong to the targets (scheduled probing made
    them, other reports may compare them too), and so do the observations."""
    return History(
        runs=ProbeRun.objects.none(),
        observations=StoredObservation.objects.none(),
        reports=DriftReport.objects.filter(drift_check=check),
    )
