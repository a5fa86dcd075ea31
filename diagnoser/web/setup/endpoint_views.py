"""Register and edit endpoints, one by one or pasted in bulk. Owners and members both edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from diagnoser.access import member_endpoint, member_service
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.bulk import endpoints_bulk_create, endpoints_bulk_parse
from diagnoser.inventory.models import Endpoint
from diagnoser.inventory.services import endpoint_create, endpoint_update
from diagnoser.web.setup.forms import BulkEndpointsForm, EndpointForm, add_service_errors


def _endpoint_save(form: EndpointForm) -> Endpoint | None:
    """Create the form's endpoint, or update the one it edits, through the services;
    None, with their errors on the form, where they refuse."""
    data = form.cleaned_data
    policy = data["policy_override"] or None
    try:
        if form.instance is None:
            return endpoint_create(
                service=form.service,
                path=data["path"],
                samples=data["samples"],
                policy_override=policy,
                declared_methods=data["declared_methods"],
            )
        return endpoint_update(
            endpoint=form.instance,
            samples=data["samples"],
            policy_override=policy,
            clear_policy_override=policy is None,
            declared_methods=data["declared_methods"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def _form_page(request: HtmxHttpRequest, form: EndpointForm) -> HttpResponse:
    return render(
        request,
        "web/setup/endpoint_form.html",
        {"form": form, "service": form.service, "endpoint": form.instance},
    )


@require_http_methods(["GET", "POST"])
@login_required
def endpoint_new(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    form = EndpointForm(request.POST if request.method == "POST" else None, service=service)
    if form.is_valid() and (endpoint := _endpoint_save(form)) is not None:
        messages.success(request, f"Endpoint {endpoint.path} added.")
        return redirect("web:endpoint", service_id=service.id, endpoint_id=endpoint.id)
    return _form_page(request, form)


@require_http_methods(["GET", "POST"])
@login_required
def endpoint_edit(request: HtmxHttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = member_endpoint(request, service_id, endpoint_id)
    form = EndpointForm(
        request.POST if request.method == "POST" else None,
        service=endpoint.service,
        instance=endpoint,
        initial={
            "policy_override": endpoint.policy_override,
            "declared_methods": endpoint.declared_methods,
        },
    )
    if form.is_valid() and _endpoint_save(form) is not None:
        messages.success(request, f"Endpoint {endpoint.path} saved.")
        return redirect("web:endpoint", service_id=service_id, endpoint_id=endpoint.id)
    return _form_page(request, form)


@require_POST
@login_required
def endpoint_samples(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    """The sample fields for the placeholders of the path as typed, and the path's errors."""
    service = member_service(request, service_id)
    form = EndpointForm(request.POST, service=service)
    form.is_valid()
    return render(request, "web/setup/_sample_fields.html", {"form": form, "checking": True})


@require_http_methods(["GET", "POST"])
@login_required
def endpoints_bulk(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    """Paste paths; "Preview" shows what would happen, "Create" does it (all or nothing)."""
    service = member_service(request, service_id)
    form = BulkEndpointsForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "service": service}
    if form.is_valid():
        text = form.cleaned_data["text"]
        parsed = endpoints_bulk_parse(service=service, text=text)
        context["parsed"] = parsed
        if request.POST.get("action") == "create" and not parsed.errors:
            try:
                created = endpoints_bulk_create(service=service, text=text)
            except ValidationError as error:
                form.add_error("text", error)
            else:
                kept = len(parsed.lines) - len(created)
                messages.success(
                    request,
                    f"Added {len(created)} endpoint{'s' if len(created) != 1 else ''}"
                    + (f"; {kept} already registered, left as they were." if kept else "."),
                )
                return redirect("web:service", service_id=service.id)
        elif parsed.errors:
            form.add_error("text", list(parsed.errors))
    return render(request, "web/setup/endpoints_bulk.html", context)
