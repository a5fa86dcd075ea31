"""Register and edit services, environments and their secret headers.

Owners and members of a workspace both edit its inventory (anyone who can see an
environment may fix its base URL); people outside it get 404 for everything.
"""

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
from diagnoser.inventory.models import DEFAULT_PROBE_EVERY, Environment, Service
from diagnoser.inventory.services import (
    base_url_validate,
    environment_create,
    environment_rename,
    environment_update,
    secret_header_delete,
    secret_header_set,
    service_create,
    service_rename,
)
from diagnoser.monitoring.services.drift_schedules import format_every
from diagnoser.monitoring.services.probe_schedules import (
    environment_schedule_update,
    service_schedule_update,
)
from diagnoser.web.setup.forms import (
    EnvironmentForm,
    SecretHeaderForm,
    ServiceForm,
    add_service_errors,
)
from diagnoser.web.setup.probing import save_and_probe, schedule_initial


@require_http_methods(["GET", "POST"])
@login_required
def service_new(request: HtmxHttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    if workspace is None:
        raise Http404("no workspace to add a service to")
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        workspace=workspace,
        initial=schedule_initial(DEFAULT_PROBE_EVERY, False),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                service = service_create(workspace=workspace, name=data["name"])
                service_schedule_update(
                    service=service,
                    probe_every=data["probe_every"] or DEFAULT_PROBE_EVERY,
                    paused=data["probing_paused"],
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Service {service.name} created: add its environments.")
            return redirect("web:environment_new", service_id=service.id)
    return render(request, "web/setup/service_form.html", {"form": form, "workspace": workspace})


def _schedule_text(service: Service) -> str:
    if service.probing_paused:
        return "scheduled probing is paused"
    return f"each endpoint is probed every {format_every(service.probe_every)}"


@require_http_methods(["GET", "POST"])
@login_required
def service_edit(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        workspace=service.workspace,
        instance=service,
        initial={
            "name": service.name,
            **schedule_initial(service.probe_every, service.probing_paused),
        },
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                service_rename(service=service, name=data["name"])
                service_schedule_update(
                    service=service,
                    probe_every=data["probe_every"] or service.probe_every,
                    paused=data["probing_paused"],
                )
        except ValidationError as error:
            service.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(request, f"Service {service.name} saved; {_schedule_text(service)}.")
            return redirect("web:service", service_id=service.id)
    return render(
        request,
        "web/setup/service_form.html",
        {"form": form, "workspace": service.workspace, "service": service},
    )


@require_http_methods(["GET", "POST"])
@login_required
def environment_new(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    form = EnvironmentForm(request.POST if request.method == "POST" else None, service=service)
    if form.is_valid():
        data = form.cleaned_data

        def save() -> Environment:
            environment = environment_create(
                service=service,
                name=data["name"],
                base_url=data["base_url"],
                is_production=data["is_production"],
                probe_policy=data["probe_policy"] or None,
                cors_origin=data["cors_origin"],
                headers=dict(data["headers"]),
            )
            return environment_schedule_update(
                environment=environment,
                probe_every=data["probe_every"],
                paused=data["probing_paused"],
            )

        try:
            environment, probing = save_and_probe(save, environments=lambda env: [env])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Environment {environment.name} added, probed with the "
                f"{environment.probe_policy} policy. {probing}".strip(),
            )
            return redirect("web:service", service_id=service.id)
    return render(request, "web/setup/environment_form.html", {"form": form, "service": service})


def _probed_as(environment: Environment) -> tuple[str, str, str]:
    """What changes the answers an environment gives: an edit of these probes it again."""
    return (environment.base_url, environment.probe_policy, environment.cors_origin)


def _edit_form(environment: Environment, data: QueryDict | None = None) -> EnvironmentForm:
    initial = {
        "name": environment.name,
        "base_url": environment.base_url,
        "is_production": environment.is_production,
        "probe_policy": environment.probe_policy,
        "cors_origin": environment.cors_origin,
        **schedule_initial(environment.probe_every, environment.probing_paused),
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
        before = _probed_as(environment)

        def save() -> Environment:
            environment_rename(environment=environment, name=data["name"])
            environment_update(
                environment=environment,
                base_url=data["base_url"],
                is_production=data["is_production"],
                probe_policy=policy,
                cors_origin=data["cors_origin"],
            )
            return environment_schedule_update(
                environment=environment,
                probe_every=data["probe_every"],
                paused=data["probing_paused"],
            )

        try:
            _, probing = save_and_probe(
                save,
                environments=lambda env: [env] if _probed_as(env) != before else [],
            )
        except ValidationError as error:
            environment.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Environment {environment.name} saved; probed with the "
                f"{environment.probe_policy} policy. {probing}".strip(),
            )
            return redirect("web:service", service_id=environment.service_id)
    return _environment_page(request, environment, form)


def _headers_partial(
    request: HtmxHttpRequest, environment: Environment, form: SecretHeaderForm
) -> HttpResponse:
    return render(
        request,
        "web/setup/_secret_headers.html",
        {
            "environment": environment,
            "service": environment.service,
            "headers": environment.secret_headers.all(),
            "header_form": form,
        },
    )


def _headers_answer(request: HtmxHttpRequest, environment: Environment) -> HttpResponse:
    if request.htmx:
        return _headers_partial(request, environment, SecretHeaderForm())
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
            save_and_probe(
                lambda: secret_header_set(
                    environment=environment,
                    name=form.cleaned_data["name"],
                    value=form.cleaned_data["value"],
                ),
                environments=lambda _: [environment],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _headers_answer(request, environment)
    if request.htmx:
        return _headers_partial(request, environment, form)
    return _environment_page(request, environment, _edit_form(environment), header_form=form)


@require_POST
@login_required
def secret_header_remove(
    request: HtmxHttpRequest, service_id: int, environment_id: int, header_id: int
) -> HttpResponse:
    header = member_secret_header(request, service_id, environment_id, header_id)
    save_and_probe(
        lambda: secret_header_delete(environment=header.environment, name=header.name),
        environments=lambda _: [header.environment],
    )
    return _headers_answer(request, header.environment)


@require_POST
@login_required
def validate_base_url_field(request: HtmxHttpRequest) -> HttpResponse:
    """Inline check of a base URL as it is typed (the same check saving applies)."""
    try:
        normal, note = base_url_validate(request.POST.get("base_url", ""))
    except ValidationError as error:
        context = {"ok": False, "message": " ".join(error.message_dict["base_url"])}
    else:
        context = {"ok": True, "message": f"Probes will go to {normal}/…", "note": note}
    return render(request, "web/setup/_field_check.html", context)
