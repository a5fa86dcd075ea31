"""Diagnose a URL without registering it, then register it with one click.

Any member of a workspace may register into it: owners and members both edit inventory.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from diagnoser.access import current_workspace
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.services import endpoint_register_url
from diagnoser.web.setup.forms import DiagnoseForm, RegisterForm
from diagnoser.web.setup.limits import diagnose_refusal
from diagnoser.web.setup.live import Unprobeable, present, probe_url
from diagnoser.web.setup.probing import save_and_probe


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def diagnose(request: HtmxHttpRequest) -> HttpResponse:
    """The form, and on POST the probes' diagnosis (HTMX swaps only the region)."""
    form = DiagnoseForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "workspace": current_workspace(request)}
    if form.is_valid():
        refusal = diagnose_refusal(request)
        if refusal is not None:
            form.add_error(None, refusal)
        else:
            try:
                method = form.cleaned_data["failed_method"]
                report, diagnosis = probe_url(target=form.target(), method=method)
            except Unprobeable as problem:
                form.add_error("url", str(problem))
            else:
                data = form.cleaned_data
                context["result"] = present(
                    report=report, diagnosis=diagnosis, failed_method=data["failed_method"]
                )
                context["header_names"] = [name for name, _ in data["headers"]]
                context["register"] = RegisterForm(
                    initial={"url": data["url"], "policy": data["policy"], "origin": data["origin"]}
                )
    template = "web/setup/_diagnose_region.html" if request.htmx else "web/setup/diagnose.html"
    return render(request, template, context)


@require_POST
@login_required
def diagnose_register(request: HtmxHttpRequest) -> HttpResponse:
    """Service (found or created by host), environment and endpoint for a diagnosed URL."""
    workspace = current_workspace(request)
    form = RegisterForm(request.POST)
    if workspace is None:
        messages.error(request, "You are in no workspace: ask a workspace owner to add you.")
        return redirect("web:diagnose")
    if not form.is_valid():
        messages.error(request, "That registration was incomplete: diagnose the URL again.")
        return redirect("web:diagnose")
    data = form.cleaned_data
    try:
        endpoint, probing = save_and_probe(
            lambda: endpoint_register_url(
                workspace=workspace,
                url=data["url"],
                probe_policy=data["policy"],
                cors_origin=data["origin"],
            ),
            endpoints=lambda endpoint: [endpoint],
        )
    except ValidationError as error:
        messages.error(request, f"Could not register it: {' '.join(error.messages)}")
        return redirect("web:diagnose")
    messages.success(
        request,
        f"Registered {endpoint.path} in {endpoint.service.name} ({workspace.name}). "
        f"{probing + ' ' if probing else ''}"
        "Add secret headers on the environment if the API needs credentials.",
    )
    return redirect("web:endpoint", service_id=endpoint.service_id, endpoint_id=endpoint.id)
