"""Loading the objects setup pages edit, through the workspace check (404 for outsiders)."""

from django.http import HttpRequest

from diagnoser.inventory.models import Environment, Service
from diagnoser.web.access import get_for_member


def member_service(request: HttpRequest, service_id: int) -> Service:
    return get_for_member(
        request, Service.objects.select_related("workspace"), "workspace", id=service_id
    )


def member_environment(request: HttpRequest, service_id: int, environment_id: int) -> Environment:
    return get_for_member(
        request,
        Environment.objects.select_related("service__workspace"),
        "service__workspace",
        id=environment_id,
        service_id=service_id,
    )
