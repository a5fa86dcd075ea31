"""Who may see what: every object a view loads comes through here.

A member of one workspace sees nothing of another's. Objects outside the user's
workspaces answer 404, never 403, so ids can't be probed for existence.
"""

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from diagnoser.inventory.models import Membership, Workspace

M = TypeVar("M", bound=Model)

SESSION_WORKSPACE = "workspace_id"


def member_workspaces(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Workspace]:
    if not user.is_authenticated or user.pk is None:
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user_id=user.pk).order_by("name")


def current_workspace(request: HttpRequest) -> Workspace | None:
    """The workspace the user switched to, else their first; None without membership."""
    workspaces = member_workspaces(request.user)
    chosen = request.session.get(SESSION_WORKSPACE)
    if chosen is not None:
        workspace = workspaces.filter(id=chosen).first()
        if workspace is not None:
            return workspace
    return workspaces.first()


def role_in(request: HttpRequest, workspace: Workspace) -> str | None:
    if not request.user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=request.user, workspace=workspace)
        .values_list("role", flat=True)
        .first()
    )


def get_for_member(
    request: HttpRequest, queryset: QuerySet[M], workspace_path: str, **lookup: object
) -> M:
    """The object matching lookup whose workspace (reached by workspace_path, e.g.
    "service__workspace") has the user as a member; 404 otherwise."""
    if not request.user.is_authenticated:
        raise Http404
    scoped = queryset.filter(**{f"{workspace_path}__memberships__user": request.user}, **lookup)
    found = scoped.first()
    if found is None:
        raise Http404
    return found
