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
from diagnoser.inventory.services import (
    endpoint_create,
    endpoint_update,
)
from diagnoser.probing.model import PLAIN_METHODS
from diagnoser.web.setup.forms import BulkEndpointsForm, EndpointForm, add_service_errors
from diagnoser.web.setup.probing import save_and_probe


@require_http_methods(["GET", "POST"])
@login_required
def endpoint_new(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    form = EndpointForm(request.POST if request.method == "POST" else None, service=service)
    if form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, probing = save_and_probe(
                lambda: endpoint_create(
                    service=service,
                    path=data["path"],
                    samples=data["samples"],
                    policy_override=data["policy_override"] or None,
                    declared_methods=data["declared_methods"],
                ),
                endpoints=lambda endpoint: [endpoint],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Endpoint {endpoint.path} added. {probing}".strip())
            return redirect("web:endpoint", service_id=service.id, endpoint_id=endpoint.id)
    return render(request, "web/setup/endpoint_form.html", {"form": form, "service": service})


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
    if form.is_valid():
        data = form.cleaned_data
        # Declared methods change what is compared, not what is probed.
        before = (dict(endpoint.samples), endpoint.policy_override)
        try:
            _, probing = save_and_probe(
                lambda: endpoint_update(
                    endpoint=endpoint,
                    samples=data["samples"],
                    policy_override=data["policy_override"] or None,
                    clear_policy_override=not data["policy_override"],
                    # The form offers RFC 9110's methods; a document's others (3.2's
                    # QUERY, additionalOperations) stay in the contract.
                    declared_methods=[
                        *data["declared_methods"],
                        *(m for m in endpoint.declared_methods if m not in PLAIN_METHODS),
                    ],
                ),
                endpoints=lambda saved: (
                    [saved] if (saved.samples, saved.policy_override) != before else []
                ),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Endpoint {endpoint.path} saved. {probing}".strip())
            return redirect("web:endpoint", service_id=service_id, endpoint_id=endpoint.id)
    return render(
        request,
        "web/setup/endpoint_form.html",
        {"form": form, "service": endpoint.service, "endpoint": endpoint},
    )


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
                created, probing = save_and_probe(
                    lambda: endpoints_bulk_create(service=service, text=text),
                    endpoints=lambda created: created,
                )
            except ValidationError as error:
                form.add_error("text", error)
            else:
                kept = len(parsed.lines) - len(created)
                messages.success(
                    request,
                    f"Added {len(created)} endpoint{'s' if len(created) != 1 else ''}"
                    + (f"; {kept} already registered, left as they were." if kept else ".")
                    + (f" {probing}" if probing else ""),
                )
                return redirect("web:service", service_id=service.id)
        elif parsed.errors:
            form.add_error("text", list(parsed.errors))
    return render(request, "web/setup/endpoints_bulk.html", context)
