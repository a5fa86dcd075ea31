"""Who may see what: every object a view loads comes through here, one loader per kind.

A member of one workspace sees nothing of another's. Objects outside the user's
workspaces answer 404, never 403, so ids can't be probed for existence.

Not an app: it sits between monitoring (whose objects it loads) and the apps that serve
pages (sharing, web), so both load through the same door without importing each other.
"""

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from diagnoser.inventory import models as inventory
from diagnoser.monitoring.models import AlertChannel, DriftCheck, DriftReport, ProbeRun

M = TypeVar("M", bound=Model)

SESSION_WORKSPACE = "workspace_id"


def member_workspaces(user: AbstractBaseUser | AnonymousUser) -> QuerySet[inventory.Workspace]:
    if not user.is_authenticated or user.pk is None:
        return inventory.Workspace.objects.none()
    return inventory.Workspace.objects.filter(memberships__user_id=user.pk).order_by("name")


def current_workspace(request: HttpRequest) -> inventory.Workspace | None:
    """The workspace the user switched to, else their first; None without membership."""
    workspaces = member_workspaces(request.user)
    chosen = request.session.get(SESSION_WORKSPACE)
    if chosen is not None:
        workspace = workspaces.filter(id=chosen).first()
        if workspace is not None:
            return workspace
    return workspaces.first()


def role_in(request: HttpRequest, workspace: inventory.Workspace) -> str | None:
    if not request.user.is_authenticated:
        return None
    return (
        inventory.Membership.objects.filter(user=request.user, workspace=workspace)
        .values_list("role", flat=True)
        .first()
    )


def get_for_member(
    request: HttpRequest, queryset: QuerySet[M], workspace_path: str, **lookup: object
) -> M:
    """The object matching lookup whose workspace (reached by workspace_path, e.g.
    "service__workspace") has the user as a member; 404 otherwise.

    Views call the member_* loaders below; this is for kinds owned by apps above this
    module (share links)."""
    if not request.user.is_authenticated:
        raise Http404
    scoped = queryset.filter(**{f"{workspace_path}__memberships__user": request.user}, **lookup)
    found = scoped.first()
    if found is None:
        raise Http404
    return found


# Each loader selects what every page of its kind shows (titles, breadcrumbs, the
# workspace), so no view adds a query per related row.


def member_service(
    request: HttpRequest, service_id: int, *, archived: bool = False
) -> inventory.Service:
    """archived: the service even if it is archived (to restore or delete it)."""
    services = inventory.Service.all_objects if archived else inventory.Service.objects
    return get_for_member(request, services.select_related("workspace"), "workspace", id=service_id)


def _in_service(
    request: HttpRequest, queryset: QuerySet[M], *, service_id: int, object_id: int
) -> M:
    """One of a service's own objects (environment, endpoint, drift check)."""
    return get_for_member(
        request,
        queryset.select_related("service__workspace"),
        "service__workspace",
        id=object_id,
        service_id=service_id,
    )


def member_environment(
    request: HttpRequest, service_id: int, environment_id: int, *, archived: bool = False
) -> inventory.Environment:
    environments = inventory.Environment.all_objects if archived else inventory.Environment.objects
    return _in_service(request, environments.all(), service_id=service_id, object_id=environment_id)


def member_endpoint(
    request: HttpRequest, service_id: int, endpoint_id: int, *, archived: bool = False
) -> inventory.Endpoint:
    endpoints = inventory.Endpoint.all_objects if archived else inventory.Endpoint.objects
    return _in_service(request, endpoints.all(), service_id=service_id, object_id=endpoint_id)


def member_secret_header(
    request: HttpRequest, service_id: int, environment_id: int, header_id: int
) -> inventory.SecretHeader:
    return get_for_member(
        request,
        inventory.SecretHeader.objects.select_related("environment__service__workspace"),
        "environment__service__workspace",
        id=header_id,
        environment_id=environment_id,
        environment__service_id=service_id,
    )


def member_run(request: HttpRequest, run_id: int) -> ProbeRun:
    """A run with what its title, diagnosis and workspace need, in one query."""
    return get_for_member(
        request,
        ProbeRun.objects.select_related(
            "endpoint__service__workspace", "environment", "observation"
        ),
        "endpoint__service__workspace",
        id=run_id,
    )


def member_drift_check(
    request: HttpRequest, service_id: int, check_id: int, *, archived: bool = False
) -> DriftCheck:
    checks = DriftCheck.all_objects if archived else DriftCheck.objects
    return _in_service(
        request,
        checks.select_related("periodic_task__interval", "periodic_task__crontab"),
        service_id=service_id,
        object_id=check_id,
    )


def member_alert_channel(request: HttpRequest, service_id: int, channel_id: int) -> AlertChannel:
    return _in_service(
        request, AlertChannel.objects.all(), service_id=service_id, object_id=channel_id
    )


def member_drift_report(request: HttpRequest, report_id: int) -> DriftReport:
    return get_for_member(
        request,
        DriftReport.objects.select_related("drift_check__service__workspace"),
        "drift_check__service__workspace",
        id=report_id,
    )


def own_api_token(request: HttpRequest, token_id: int) -> inventory.ApiToken:
    """One of the user's own API tokens: nobody else's, not even a co-member's."""
    if not request.user.is_authenticated:
        raise Http404
    found = inventory.ApiToken.objects.filter(id=token_id, user_id=request.user.pk).first()
    if found is None:
        raise Http404
    return found
