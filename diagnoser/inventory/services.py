"""Writes to the inventory. Views, commands and the importer all go through here."""

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet

from diagnoser.inventory.destinations import UNRESOLVED_NOTE, destination_check
from diagnoser.inventory.models import (
    Endpoint,
    Environment,
    Membership,
    SecretHeader,
    Service,
    Workspace,
)
from diagnoser.probing.guard import BlockedAddress
from diagnoser.probing.model import PLAIN_METHODS, ProbePolicy
from diagnoser.probing.urls import InvalidTarget, fill_path, validate_header, validate_target_url

_METHOD = re.compile(r"[A-Z][A-Z0-9_-]{0,31}")

# Every environment is probed with the safe policy unless someone opts in to full (or
# strict), production or not: users point this at real APIs (DESIGN.md "Probing safely").
DEFAULT_POLICY = ProbePolicy.SAFE


def workspace_create(*, name: str, owner: User | None = None) -> Workspace:
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name)
        if owner is not None:
            Membership.objects.create(user=owner, workspace=workspace, role=Membership.Role.OWNER)
    return workspace


def membership_add(
    *, workspace: Workspace, user: User, role: str = Membership.Role.MEMBER
) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    return membership


def name_validate_unique(
    *,
    siblings: QuerySet[Any],
    value: str,
    owner: Workspace | Service,
    what: str,
    instance: Model | None = None,
    field: str = "name",
) -> None:
    """The rule every named thing follows: no sibling but `instance` already has `value`.

    Raises a ValidationError on `field` saying "<owner> already has <what>". The unique
    constraint stays the last word (two writers racing); this says it in words first,
    for forms, the importer and the services alike.
    """
    clash = siblings.filter(**{field: value})
    if instance is not None and instance.pk is not None:
        clash = clash.exclude(pk=instance.pk)
    found = clash.first()
    if found is None:
        return
    if getattr(found, "archived_at", None) is not None:
        raise ValidationError(
            {
                field: f"{owner.name} already has {what}, archived: restore it from the "
                "Archived list, or delete it there to use the name again"
            }
        )
    raise ValidationError({field: f"{owner.name} already has {what}"})


def service_name_validate(
    *, workspace: Workspace, name: str, service: Service | None = None
) -> None:
    name_validate_unique(
        siblings=Service.all_objects.filter(workspace=workspace),
        value=name,
        owner=workspace,
        what=f"a service named {name!r}",
        instance=service,
    )


def environment_name_validate(
    *, service: Service, name: str, environment: Environment | None = None
) -> None:
    name_validate_unique(
        siblings=Environment.all_objects.filter(service=service),
        value=name,
        owner=service,
        what=f"an environment named {name!r}",
        instance=environment,
    )


def endpoint_path_validate(*, service: Service, path: str) -> None:
    name_validate_unique(
        siblings=Endpoint.all_objects.filter(service=service),
        value=path,
        owner=service,
        what=f"the endpoint {path}",
        field="path",
    )


def service_room_validate(*, service: Service, endpoints: int = 0, environments: int = 0) -> None:
    """Refuse adding this many endpoints or environments past the per-service caps
    (settings), so no member can make a sweep or a page unbounded."""
    caps = (
        ("endpoints", "path", endpoints, settings.DIAGNOSER_MAX_ENDPOINTS_PER_SERVICE),
        ("environments", "name", environments, settings.DIAGNOSER_MAX_ENVIRONMENTS_PER_SERVICE),
    )
    for kind, field, adding, cap in caps:
        if not adding:
            continue
        have = getattr(service, kind).count()
        if have + adding > cap:
            setting = f"DIAGNOSER_MAX_{kind.upper()}_PER_SERVICE"
            raise ValidationError(
                {
                    field: f"{service.name} has {have} {kind}; adding {adding} would pass the "
                    f"cap of {cap} {kind} per service ({setting}): nothing was added"
                }
            )


def _service_lock(service: Service) -> None:
    """Inside a writer's transaction: lock the service row where the database can
    (PostgreSQL), so two writers can't both take the last room under a cap."""
    Service.objects.select_for_update().filter(id=service.id).exists()


def service_create(*, workspace: Workspace, name: str) -> Service:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "a service needs a name"})
    service_name_validate(workspace=workspace, name=name)
    return Service.objects.create(workspace=workspace, name=name)


def base_url_validate(url: str) -> tuple[str, str]:
    """The base URL in normal form and a note ("" or why it could not be checked fully).

    Refuses what the probe guard would refuse on every run (a cloud metadata address, a
    refused range not in DIAGNOSER_ALLOW_NETWORKS, a blocked port), for literal addresses
    and names that resolve now; a name that does not resolve is accepted with a note."""
    try:
        normal = validate_target_url(url)
    except InvalidTarget as error:
        raise ValidationError({"base_url": str(error)}) from None
    if urlsplit(normal).query:
        raise ValidationError({"base_url": "a base URL has no query; put it in the endpoints"})
    try:
        resolved = destination_check(normal)
    except BlockedAddress as error:
        raise ValidationError({"base_url": f"probes could never go there: {error}"}) from None
    note = "" if resolved else UNRESOLVED_NOTE.format(host=urlsplit(normal).hostname)
    return normal.rstrip("/"), note


def validate_base_url(url: str) -> str:
    return base_url_validate(url)[0]


def _validate_policy(policy: str | None, field: str) -> None:
    if policy is not None and policy not in {p.value for p in ProbePolicy}:
        names = ", ".join(p.value for p in ProbePolicy)
        raise ValidationError({field: f"probe policy must be one of {names}, got {policy!r}"})


def environment_create(
    *,
    service: Service,
    name: str,
    base_url: str,
    is_production: bool = False,
    probe_policy: str | None = None,
    cors_origin: str = "",
    headers: Mapping[str, str] | None = None,
) -> Environment:
    """Register an environment; without an explicit policy it gets `safe`."""
    _validate_policy(probe_policy, "probe_policy")
    environment_name_validate(service=service, name=name)
    # Checked before the service's row is locked: it may wait on DNS (destinations.py).
    base_url = validate_base_url(base_url)
    with transaction.atomic():
        _service_lock(service)
        service_room_validate(service=service, environments=1)
        environment = Environment.objects.create(
            service=service,
            name=name,
            base_url=base_url,
            is_production=is_production,
            probe_policy=probe_policy or DEFAULT_POLICY,
            cors_origin=cors_origin,
            position=service.environments.count(),
        )
        for header, value in (headers or {}).items():
            secret_header_set(environment=environment, name=header, value=value)
    return environment


def environment_update(
    *,
    environment: Environment,
    base_url: str | None = None,
    is_production: bool | None = None,
    probe_policy: str | None = None,
    cors_origin: str | None = None,
) -> Environment:
    """Change what was given. Marking an environment production without naming a policy
    makes it safe; unmarking it keeps the policy it has."""
    _validate_policy(probe_policy, "probe_policy")
    if base_url is not None:
        environment.base_url = validate_base_url(base_url)
    if is_production is not None and is_production != environment.is_production:
        environment.is_production = is_production
        if probe_policy is None and is_production:
            environment.probe_policy = DEFAULT_POLICY
    if probe_policy is not None:
        environment.probe_policy = probe_policy
    if cors_origin is not None:
        environment.cors_origin = cors_origin
    environment.full_clean(exclude=["service"])
    environment.save()
    return environment


def secret_header_set(*, environment: Environment, name: str, value: str) -> SecretHeader:
    try:
        name, value = validate_header(name, value)
    except InvalidTarget as error:
        raise ValidationError({"headers": str(error)}) from None
    header = SecretHeader.objects.filter(environment=environment, name__iexact=name).first()
    if header is None:
        return SecretHeader.objects.create(environment=environment, name=name, value=value)
    if header.value != value or header.name != name:
        header.name, header.value = name, value
        header.save(update_fields=["name", "value"])
    return header


def secret_header_delete(*, environment: Environment, name: str) -> None:
    SecretHeader.objects.filter(environment=environment, name__iexact=name).delete()


def validate_endpoint(
    *, path: str, samples: Mapping[str, object], declared_methods: Iterable[str]
) -> None:
    """Samples are optional: fill_path gives a missing one a value naming no object."""
    if not path.startswith("/"):
        raise ValidationError({"path": f"{path!r} must start with /"})
    try:
        fill_path(path, {k: str(v) for k, v in samples.items()})
    except InvalidTarget as error:
        raise ValidationError({"path": str(error)}) from None
    # Beyond RFC 9110's, a contract may declare any method token (OpenAPI 3.2's QUERY and
    # additionalOperations): upper case, as servers match methods case-sensitively.
    unknown = [m for m in declared_methods if m not in PLAIN_METHODS and not _METHOD.fullmatch(m)]
    if unknown:
        raise ValidationError(
            {"declared_methods": f"unknown methods {', '.join(unknown)} (use upper case)"}
        )


def endpoint_create(
    *,
    service: Service,
    path: str,
    samples: Mapping[str, object] | None = None,
    policy_override: str | None = None,
    declared_methods: Iterable[str] = (),
) -> Endpoint:
    samples = {k: str(v) for k, v in (samples or {}).items()}
    declared = list(declared_methods)
    validate_endpoint(path=path, samples=samples, declared_methods=declared)
    _validate_policy(policy_override, "policy_override")
    endpoint_path_validate(service=service, path=path)
    with transaction.atomic():
        _service_lock(service)
        service_room_validate(service=service, endpoints=1)
        return Endpoint.objects.create(
            service=service,
            path=path,
            samples=samples,
            policy_override=policy_override or "",
            declared_methods=declared,
        )


def endpoint_update(
    *,
    endpoint: Endpoint,
    samples: Mapping[str, object] | None = None,
    policy_override: str | None = None,
    clear_policy_override: bool = False,
    declared_methods: Iterable[str] | None = None,
) -> Endpoint:
    if samples is not None:
        endpoint.samples = {k: str(v) for k, v in samples.items()}
    if declared_methods is not None:
        endpoint.declared_methods = list(declared_methods)
    _validate_policy(policy_override, "policy_override")
    if policy_override is not None or clear_policy_override:
        endpoint.policy_override = policy_override or ""
    validate_endpoint(
        path=endpoint.path, samples=endpoint.samples, declared_methods=endpoint.declared_methods
    )
    endpoint.save()
    return endpoint


def service_rename(*, service: Service, name: str) -> Service:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "a service needs a name"})
    service_name_validate(workspace=service.workspace, name=name, service=service)
    service.name = name
    service.save(update_fields=["name"])
    return service


def environment_rename(*, environment: Environment, name: str) -> Environment:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "an environment needs a name, like staging or prod"})
    environment_name_validate(service=environment.service, name=name, environment=environment)
    environment.name = name
    environment.save(update_fields=["name"])
    return environment


def _environment_for_url(*, workspace: Workspace, url: str) -> Environment | None:
    """The registered environment whose base URL is the longest prefix of url."""
    matches = [
        environment
        for environment in Environment.objects.filter(service__workspace=workspace)
        .select_related("service")
        .order_by("service__name", "position", "id")
        if url == environment.base_url or url.startswith(environment.base_url.rstrip("/") + "/")
    ]
    return max(matches, key=lambda e: len(e.base_url), default=None)


def _free_environment_name(service: Service) -> str:
    taken = set(Environment.all_objects.filter(service=service).values_list("name", flat=True))
    return next(
        name
        for name in ("default", *(f"default-{n}" for n in range(2, len(taken) + 3)))
        if name not in taken
    )


def endpoint_register_url(
    *,
    workspace: Workspace,
    url: str,
    probe_policy: str | None = None,
    cors_origin: str = "",
) -> Endpoint:
    """Turn a diagnosed URL into inventory, reusing what is already registered.

    An environment whose base URL prefixes the URL is reused (its service too); else the
    service named after the host (created when missing) gets an environment for
    scheme://host[:port]. The rest of the URL becomes the endpoint's path. Idempotent.
    """
    try:
        normal = validate_target_url(url)
    except InvalidTarget as error:
        raise ValidationError({"url": str(error)}) from None
    _validate_policy(probe_policy, "probe_policy")
    with transaction.atomic():
        environment = _environment_for_url(workspace=workspace, url=normal)
        if environment is None:
            parts = urlsplit(normal)
            service = Service.objects.filter(workspace=workspace, name=parts.netloc).first()
            if service is None:
                service = service_create(workspace=workspace, name=parts.netloc)
            environment = environment_create(
                service=service,
                name=_free_environment_name(service),
                base_url=f"{parts.scheme}://{parts.netloc}",
                probe_policy=probe_policy,
                cors_origin=cors_origin,
            )
        path = normal[len(environment.base_url.rstrip("/")) :] or "/"
        endpoint = Endpoint.objects.filter(service=environment.service, path=path).first()
        if endpoint is None:
            endpoint = endpoint_create(service=environment.service, path=path)
    return endpoint
