"""Import an OpenAPI document into a service: an upload or a URL, all or nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from diagnoser.access import member_service
from diagnoser.contracts.errors import ContractInvalid
from diagnoser.contracts.read import read_contract
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.contract_import import ContractImport
from diagnoser.monitoring.services.contracts import (
    contract_apply,
    contract_fetch,
)
from diagnoser.web.setup.contract_forms import OpenAPIImportForm
from diagnoser.web.setup.probing import save_and_probe


@require_http_methods(["GET", "POST"])
@login_required
def openapi_import(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    posted = request.method == "POST"
    form = OpenAPIImportForm(request.POST if posted else None, request.FILES if posted else None)
    context: dict[str, object] = {"form": form, "service": service}
    if form.is_valid():
        data = form.cleaned_data
        try:
            raw = data["document"].read() if data["document"] else contract_fetch(url=data["url"])
            contract = read_contract(raw)
            result, probing = save_and_probe(
                lambda: contract_apply(
                    service=service,
                    contract=contract,
                    map_servers=data["map_servers"],
                    source_url=data["url"] or "",
                ),
                endpoints=lambda imported: imported.probe_endpoints,
            )
        except ContractInvalid as error:
            context["document_errors"] = error.errors
        else:
            messages.success(request, _summary(result) + (f" {probing}" if probing else ""))
            return redirect("web:service", service_id=service.id)
    return render(request, "web/setup/openapi_import.html", context, status=200)


def _summary(result: ContractImport) -> str:
    parts = [f"Imported {result.source}: {len(result.created)} endpoint(s) added"]
    if result.changes:
        parts.append(f"{len(result.changes)} contract(s) changed (see each endpoint's history)")
    if result.unchanged:
        parts.append(f"{result.unchanged} unchanged")
    if result.environments:
        parts.append(f"environments created: {', '.join(result.environments)}")
    return "; ".join(parts) + "."
