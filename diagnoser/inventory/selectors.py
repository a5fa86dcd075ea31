"""Reads of the inventory, including the probe target an endpoint makes in an environment."""

from django.contrib.auth.models import User
from django.db.models import F, QuerySet

from diagnoser.inventory.models import (
    ApiToken,
    ContractChange,
    Endpoint,
    Environment,
    Service,
    Workspace,
)
from diagnoser.probing.model import ProbePolicy, Target
from diagnoser.probing.urls import fill_path, placeholders


def workspaces_for(*, user: User) -> QuerySet[Workspace]:
    return Workspace.objects.filter(memberships__user=user).order_by("name")


def user_tokens(*, user: User) -> QuerySet[ApiToken]:
    """A user's API tokens, live first, newest first."""
    return (
        ApiToken.objects.filter(user=user)
        .select_related("workspace")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at")
    )


def service_get(*, workspace: Workspace | None, name: str) -> Service:
    """The service named so; without a workspace the name must be unique across them."""
    services = Service.objects.filter(name=name)
    if workspace is not None:
        services = services.filter(workspace=workspace)
    return services.get()


def effective_policy(*, endpoint: Endpoint, environment: Environment) -> ProbePolicy:
    return ProbePolicy(endpoint.policy_override or environment.probe_policy)


def target_url(*, endpoint: Endpoint, environment: Environment) -> str:
    return environment.base_url.rstrip("/") + fill_path(endpoint.path, endpoint.samples)


def target_for(*, endpoint: Endpoint, environment: Environment) -> Target:
    """The probe engine's view of one endpoint in one environment (secrets decrypted).
    A templated path travels with its samples: the safe policy probes a phantom id of it."""
    templated = bool(placeholders(endpoint.path))
    return Target(
        url=target_url(endpoint=endpoint, environment=environment),
        headers=tuple((h.name, h.value) for h in environment.secret_headers.all()),
        origin=environment.cors_origin or None,
        policy=effective_policy(endpoint=endpoint, environment=environment),
        template=environment.base_url.rstrip("/") + endpoint.path if templated else None,
        samples=tuple((str(k), str(v)) for k, v in endpoint.samples.items()) if templated else (),
        scope=f"service:{environment.service_id}",
    )


# Contract changes the endpoint page lists; older ones stay in the database.
CONTRACT_CHANGES_SHOWN = 10


def contract_changes(*, endpoint: Endpoint) -> tuple[ContractChange, ...]:
    """The newest changes of the endpoint's declared methods, newest first (one query)."""
    return tuple(endpoint.contract_changes.all()[:CONTRACT_CHANGES_SHOWN])


def archived_services(*, workspace: Workspace) -> QuerySet[Service]:
    return Service.all_objects.filter(workspace=workspace, archived_at__isnull=False).order_by(
        "name"
    )


def archived_environments(*, service: Service) -> QuerySet[Environment]:
    """Archived on their own (a service's own archiving hides the service page too)."""
    return Environment.all_objects.filter(service=service, archived_at__isnull=False).order_by(
        "name"
    )


def archived_endpoints(*, service: Service) -> QuerySet[Endpoint]:
    return Endpoint.all_objects.filter(service=service, archived_at__isnull=False).order_by("path")


def environments_with_headers(*, service: Service) -> list[Environment]:
    """The service's environments with their secret headers (masked on the page), in two
    queries."""
    return list(service.environments.prefetch_related("secret_headers"))
