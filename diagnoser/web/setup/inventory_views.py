"""Register and edit services, environments and their secret headers.

Owners and members of a workspace both edit its inventory (anyone who can see an
environment may fix its base URL); people outside it get 404 for everything.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from diagnoser.access import (
    current_workspace,
    member_environment,
    member_secret_header,
    member_service,
)
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.models import Environment
from diagnoser.inventory.services import (
    environment_create,
    environment_rename,
    environment_update,
    secret_header_delete,
    secret_header_set,
    service_create,
    service_rename,
    validate_base_url,
)
from diagnoser.web.setup.forms import (
    EnvironmentForm,
    SecretHeaderForm,
    ServiceForm,
    add_service_errors,
)


@require_http_methods(["GET", "POST"])
@login_required
def service_new(request: HtmxHttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    if workspace is None:
        raise Http404("no workspace to add a service to")
    form = ServiceForm(request.POST if request.method == "POST" else None, workspace=workspace)
    if form.is_valid():
        try:
            service = service_create(workspace=workspace, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Service {service.name} created: add its environments.")
            return redirect("web:environment_new", service_id=service.id)
    return render(request, "web/setup/service_form.html", {"form": form, "workspace": workspace})


@require_http_methods(["GET", "POST"])
@login_required
def service_edit(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        workspace=service.workspace,
        instance=service,
        initial={"name": service.name},
    )
    if form.is_valid():
        try:
            service_rename(service=service, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Service {service.name} saved.")
            return redirect("web:service", service_id=service.id)
    return render(
        request,
        "web/setup/service_form.html",
        {"form": form, "workspace": service.workspace, "service": service},
    )


def _saved(request: HtmxHttpRequest, environment: Environment, done: str) -> HttpResponse:
    """Back to the service, saying which policy now applies (Production changes it)."""
    messages.success(
        request, f"Environment {environment.name} {done} the {environment.probe_policy} policy."
    )
    return redirect("web:service", service_id=environment.service_id)


def _settings(data: dict[str, Any]) -> dict[str, Any]:
    """What the environment form sets the same way on a new and an edited environment."""
    return {
        "base_url": data["base_url"],
        "is_production": data["is_production"],
        "cors_origin": data["cors_origin"],
    }


@require_http_methods(["GET", "POST"])
@login_required
def environment_new(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    form = EnvironmentForm(request.POST if request.method == "POST" else None, service=service)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                environment = environment_create(
                    service=service,
                    name=data["name"],
                    probe_policy=data["probe_policy"] or None,
                    headers=dict(data["headers"]),
                    **_settings(data),
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _saved(request, environment, "added, probed with")
    return render(request, "web/setup/environment_form.html", {"form": form, "service": service})


def _edit_form(environment: Environment, data: QueryDict | None = None) -> EnvironmentForm:
    initial = {
        "name": environment.name,
        "base_url": environment.base_url,
        "is_production": environment.is_production,
        "probe_policy": environment.probe_policy,
        "cors_origin": environment.cors_origin,
    }
    return EnvironmentForm(data, service=environment.service, instance=environment, initial=initial)


def _environment_page(
    request: HtmxHttpRequest,
    environment: Environment,
    form: EnvironmentForm,
    header_form: SecretHeaderForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "web/setup/environment_form.html",
        {
            "form": form,
            "service": environment.service,
            "environment": environment,
            "headers": environment.secret_headers.all(),
            "header_form": header_form or SecretHeaderForm(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def environment_edit(
    request: HtmxHttpRequest, service_id: int, environment_id: int
) -> HttpResponse:
    environment = member_environment(request, service_id, environment_id)
    form = _edit_form(environment, request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        # An untouched policy is not sent, so flipping Production applies the new default.
        policy = data["probe_policy"] if data["probe_policy"] != environment.probe_policy else None
        try:
            with transaction.atomic():
                environment_rename(environment=environment, name=data["name"])
                environment_update(environment=environment, probe_policy=policy, **_settings(data))
        except ValidationError as error:
            environment.refresh_from_db()
            add_service_errors(form, error)
        else:
            return _saved(request, environment, "saved; probed with")
    return _environment_page(request, environment, form)


def _headers_region(
    request: HtmxHttpRequest, environment: Environment, header_form: SecretHeaderForm
) -> HttpResponse:
    """The headers list and its form, as htmx swaps it in after an add or a removal."""
    return render(
        request,
        "web/setup/_secret_headers.html",
        {
            "environment": environment,
            "service": environment.service,
            "headers": environment.secret_headers.all(),
            "header_form": header_form,
        },
    )


def _headers_answer(request: HtmxHttpRequest, environment: Environment) -> HttpResponse:
    if request.htmx:
        return _headers_region(request, environment, SecretHeaderForm())
    return redirect(
        "web:environment_edit", service_id=environment.service_id, environment_id=environment.id
    )


@require_POST
@login_required
def secret_header_save(
    request: HtmxHttpRequest, service_id: int, environment_id: int
) -> HttpResponse:
    """Add a header, or replace the value of the one with that name (case-insensitive)."""
    environment = member_environment(request, service_id, environment_id)
    form = SecretHeaderForm(request.POST)
    if form.is_valid():
        try:
            secret_header_set(
                environment=environment,
                name=form.cleaned_data["name"],
                value=form.cleaned_data["value"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _headers_answer(request, environment)
    if request.htmx:
        return _headers_region(request, environment, form)
    return _environment_page(request, environment, _edit_form(environment), header_form=form)


@require_POST
@login_required
def secret_header_remove(
    request: HtmxHttpRequest, service_id: int, environment_id: int, header_id: int
) -> HttpResponse:
    header = member_secret_header(request, service_id, environment_id, header_id)
    secret_header_delete(environment=header.environment, name=header.name)
    return _headers_answer(request, header.environment)


@require_POST
@login_required
def validate_base_url_field(request: HtmxHttpRequest) -> HttpResponse:
    """Inline check of a base URL as it is typed (the same check saving applies)."""
    try:
        normal = validate_base_url(request.POST.get("base_url", ""))
    except ValidationError as error:
        context = {"ok": False, "message": " ".join(error.message_dict["base_url"])}
    else:
        context = {"ok": True, "message": f"Probes will go to {normal}/…"}
    return render(request, "web/setup/_field_check.html", context)
