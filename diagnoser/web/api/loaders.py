"""What an API call may load: objects of the token's workspace, else 404 (as the pages,
whose loaders are in diagnoser/access.py, do for a member's workspaces)."""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework.request import Request

from diagnoser.inventory.models import ApiToken, Endpoint, Service
from diagnoser.monitoring.models import ProbeRun

M = TypeVar("M", bound=Model)


def token_of(request: Request) -> ApiToken:
    token = request.auth
    assert isinstance(token, ApiToken)  # TokenAuthentication is the only authenticator
    return token


def _in_workspace(request: Request, queryset: QuerySet[M], workspace_path: str, pk: int) -> M:
    found = queryset.filter(**{f"{workspace_path}_id": token_of(request).workspace_id}, pk=pk)
    obj = found.first()
    if obj is None:
        raise Http404
    return obj


def token_services(request: Request) -> QuerySet[Service]:
    return Service.objects.filter(workspace_id=token_of(request).workspace_id)


def token_service(request: Request, service_id: int) -> Service:
    return _in_workspace(request, Service.objects.all(), "workspace", service_id)


def token_endpoint(request: Request, endpoint_id: int) -> Endpoint:
    return _in_workspace(
        request, Endpoint.objects.select_related("service"), "service__workspace", endpoint_id
    )


def token_run(request: Request, run_id: int) -> ProbeRun:
    return _in_workspace(
        request,
        ProbeRun.objects.select_related("endpoint__service", "environment", "observation"),
        "endpoint__service__workspace",
        run_id,
    )
