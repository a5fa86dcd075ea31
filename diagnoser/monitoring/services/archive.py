"""Archive, restore and delete services, environments, endpoints and drift checks.

Archived: kept with all its history, but out of the overview, scheduling, drift checks
and `manage.py status` (inventory.models.LiveManager hides it), until restored. Archiving
a service stamps its environments and endpoints with the same time, so restoring it
brings back exactly those and not what was archived on its own before. An archived
drift check keeps its reports with its schedule switched off. Deleted: gone with its
history (runs, observations, and for a service its drift checks and reports).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import DriftCheck, ProbeRun
from diagnoser.monitoring.services.drift_checks import drift_check_delete
from diagnoser.monitoring.services.drift_schedules import drift_check_schedule_sync


def _checks_sync(service: Service) -> None:
    """Switch the service's drift check schedules off while it is archived, back on after
    (those archived on their own stay off)."""
    for check in DriftCheck.all_objects.filter(service=service).select_related(
        "periodic_task", "service"
    ):
        drift_check_schedule_sync(check=check)


def service_archive(*, service: Service) -> Service:
    now = timezone.now()
    with transaction.atomic():
        Environment.objects.filter(service=service).update(archived_at=now)
        Endpoint.objects.filter(service=service).update(archived_at=now)
        service.archived_at = now
        service.save(update_fields=["archived_at"])
        _checks_sync(service)
    return service


def service_restore(*, service: Service) -> Service:
    stamp = service.archived_at
    with transaction.atomic():
        Environment.all_objects.filter(service=service, archived_at=stamp).update(archived_at=None)
        Endpoint.all_objects.filter(service=service, archived_at=stamp).update(archived_at=None)
        service.archived_at = None
        service.save(update_fields=["archived_at"])
        _checks_sync(service)
    return service


def drift_check_archive(*, check: DriftCheck) -> DriftCheck:
    with transaction.atomic():
        _stamp(check, timezone.now())
        drift_check_schedule_sync(check=check)
    return check


def drift_check_restore(*, check: DriftCheck) -> DriftCheck:
    with transaction.atomic():
        _stamp(check, None)
        drift_check_schedule_sync(check=check)
    return check


def _stamp(thing: Environment | Endpoint | DriftCheck, archived_at: datetime | None) -> None:
    thing.archived_at = archived_at
    thing.save(update_fields=["archived_at"])


def environment_archive(*, environment: Environment) -> Environment:
    _stamp(environment, timezone.now())
    return environment


def environment_restore(*, environment: Environment) -> Environment:
    _stamp(environment, None)
    return environment


def endpoint_archive(*, endpoint: Endpoint) -> Endpoint:
    _stamp(endpoint, timezone.now())
    return endpoint


def endpoint_restore(*, endpoint: Endpoint) -> Endpoint:
    _stamp(endpoint, None)
    return endpoint


# A run protects the observation it stored (unchanged runs share it), so runs go first and
# the observations then go with their target.


def environment_delete(*, environment: Environment) -> None:
    with transaction.atomic():
        ProbeRun.objects.filter(environment=environment).delete()
        environment.delete()


def endpoint_delete(*, endpoint: Endpoint) -> None:
    with transaction.atomic():
        ProbeRun.objects.filter(endpoint=endpoint).delete()
        endpoint.delete()


def service_delete(*, service: Service) -> None:
    with transaction.atomic():
        for check in DriftCheck.all_objects.filter(service=service).select_related(
            "periodic_task", "service"
        ):
            drift_check_delete(check=check)
        ProbeRun.objects.filter(endpoint__service=service).delete()
        service.delete()
