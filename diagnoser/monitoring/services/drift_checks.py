"""Drift checks: what a check compares, its schedule and webhook, and the validation
every way in shares (the web form, inventory as code, the command line)."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from diagnoser.inventory.destinations import destination_check
from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.inventory.services import name_validate_unique
from diagnoser.monitoring.models import DriftCheck
from diagnoser.monitoring.services.drift_schedules import (
    crontab_validate,
    drift_check_schedule_sync,
    parse_every,
)
from diagnoser.probing.guard import BlockedAddress
from diagnoser.probing.urls import InvalidTarget, validate_target_url


def drift_check_name_validate(
    *, service: Service, name: str, check: DriftCheck | None = None
) -> str:
    """The name stripped, if it is given and no other check of the service has it."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "a drift check needs a name"})
    name_validate_unique(
        siblings=DriftCheck.all_objects.filter(service=service),
        value=name,
        owner=service,
        what=f"a drift check named {name!r}",
        instance=check,
    )
    return name


def webhook_url_validate(*, url: str) -> str:
    """The URL in normal form, "" for none. Sending checks the address again on every
    request; checking here too tells whoever saves it at once that it points inside."""
    url = url.strip()
    if not url:
        return ""
    try:
        url = validate_target_url(url)
        destination_check(url)
    except InvalidTarget as error:
        raise ValidationError({"webhook_url": str(error)}) from None
    except BlockedAddress as error:
        raise ValidationError({"webhook_url": f"alerts could not be sent there: {error}"}) from None
    return url


def _schedule_validate(*, every_seconds: int | None, crontab: str) -> str:
    """The crontab normalised ("" for none); an interval and a crontab exclude each other."""
    if every_seconds and crontab:
        raise ValidationError({"every": "give an interval or a crontab, not both"})
    return crontab_validate(crontab=crontab) if crontab else ""


def _set_selection(
    *, check: DriftCheck, endpoints: Iterable[Endpoint], environments: Iterable[Environment]
) -> None:
    endpoints, environments = list(endpoints), list(environments)
    services = {e.service_id for e in endpoints} | {e.service_id for e in environments}
    if services - {check.service_id}:
        raise ValidationError("a drift check selects endpoints and environments of its service")
    check.endpoints.set(endpoints)
    check.environments.set(environments)


def drift_check_create(
    *,
    service: Service,
    name: str,
    endpoints: Iterable[Endpoint] = (),
    environments: Iterable[Environment] = (),
    every: str | int | None = None,
    crontab: str = "",
    enabled: bool = True,
    webhook_url: str = "",
) -> DriftCheck:
    # Validated field by field in the order a form shows them, as drift_check_update does.
    check = DriftCheck(service=service, enabled=enabled)
    check.name = drift_check_name_validate(service=service, name=name)
    check.every_seconds = parse_every(every) if every else None
    check.crontab = _schedule_validate(every_seconds=check.every_seconds, crontab=crontab)
    check.webhook_url = webhook_url_validate(url=webhook_url)
    with transaction.atomic():
        check.save()
        _set_selection(check=check, endpoints=endpoints, environments=environments)
        drift_check_schedule_sync(check=check)
    return check


def drift_check_update(
    *,
    check: DriftCheck,
    endpoints: Iterable[Endpoint] | None = None,
    environments: Iterable[Environment] | None = None,
    every: str | int | None = None,
    crontab: str | None = None,
    enabled: bool | None = None,
    webhook_url: str | None = None,
) -> DriftCheck:
    """Change what was given; an interval replaces a crontab and the other way round."""
    if every is not None:
        check.every_seconds = parse_every(every) if every else None
        if every:
            check.crontab = ""
    if crontab is not None:
        check.crontab = crontab
        if crontab:
            check.every_seconds = None
    if enabled is not None:
        check.enabled = enabled
    # Only a changed URL is looked up again: switching a schedule off must not depend on
    # what DNS says about the webhook today.
    if webhook_url is not None and webhook_url != check.webhook_url:
        check.webhook_url = webhook_url_validate(url=webhook_url)
    check.crontab = _schedule_validate(every_seconds=check.every_seconds, crontab=check.crontab)
    with transaction.atomic():
        check.save()
        if endpoints is not None or environments is not None:
            _set_selection(
                check=check,
                endpoints=check.endpoints.all() if endpoints is None else endpoints,
                environments=check.environments.all() if environments is None else environments,
            )
        drift_check_schedule_sync(check=check)
    return check


def drift_check_rename(*, check: DriftCheck, name: str) -> DriftCheck:
    check.name = drift_check_name_validate(service=check.service, name=name, check=check)
    check.save(update_fields=["name"])
    if check.periodic_task is not None:
        drift_check_schedule_sync(check=check)  # the beat entry's description names the check
    return check


def drift_check_delete(*, check: DriftCheck) -> None:
    with transaction.atomic():
        if check.periodic_task is not None:
            check.periodic_task.delete()
        check.delete()


def drift_check_targets(*, check: DriftCheck) -> list[tuple[Endpoint, Environment]]:
    """What a run of the check probes: its selection, or the whole service when none.

    Archived ones are left out (the related managers hide them); a selection whose every
    member is archived selects nothing, not the whole service."""
    endpoints = list(check.endpoints.all())
    if not endpoints and not DriftCheck.endpoints.through.objects.filter(driftcheck=check).exists():
        endpoints = list(check.service.endpoints.all())
    environments = list(check.environments.all())
    if (
        not environments
        and not DriftCheck.environments.through.objects.filter(driftcheck=check).exists()
    ):
        environments = list(check.service.environments.all())
    return [(endpoint, environment) for endpoint in endpoints for environment in environments]
