"""The pages people open: overview, service grid, endpoint matrix, run permalink."""

from collections.abc import Mapping

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from diagnoser.access import (
    current_workspace,
    member_endpoint,
    member_environment,
    member_run,
    member_service,
)
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.selectors import (
    archived_endpoints,
    archived_environments,
    archived_services,
)
from diagnoser.monitoring.diagnosis_selectors import stored_diagnosis
from diagnoser.monitoring.models import StoredFinding
from diagnoser.monitoring.selectors import HISTORY_CHANGES, STRIP_RUNS, method_history
from diagnoser.monitoring.selectors.alerts import alert_channel_rows
from diagnoser.monitoring.selectors.overview import PER_PAGE, SORTS
from diagnoser.presentation.build import build_matrix
from diagnoser.probing.model import PLAIN_METHODS
from diagnoser.web.pages.endpoint import (
    asked_method,
    column_for,
    endpoint_view,
    group_by_severity,
    panel_for,
)
from diagnoser.web.pages.overview import overview_page
from diagnoser.web.pages.overview_filters import overview_query
from diagnoser.web.pages.service import environment_rows, service_grid
from diagnoser.web.setup.contract_forms import OpenAPIImportForm


def _page(
    request: HtmxHttpRequest, context: Mapping[str, object], *, page: str, partial: str
) -> HttpResponse:
    """The whole page, or for htmx only the part it swaps (hence Vary: HX-Request)."""
    return render(request, partial if request.htmx else page, context)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def overview(request: HtmxHttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    query = overview_query(request.GET)
    overview = overview_page(workspace=workspace, query=query) if workspace else None
    context: dict[str, object] = {
        "workspace": workspace,
        "overview": overview,
        "sorts": SORTS.items(),
        "per_page": PER_PAGE,
        "updated": timezone.now(),
    }
    if not request.htmx and workspace is not None:
        context["archived"] = archived_services(workspace=workspace)
    response = _page(
        request,
        context,
        page="web/pages/overview.html",
        partial="web/pages/_overview_results.html",
    )
    if request.htmx and request.htmx.trigger != "overview-results" and overview is not None:
        # The form sends every field, empty ones too: the address bar gets the short link.
        response["HX-Push-Url"] = reverse("web:overview") + overview.current_url
    return response


@require_GET
@login_required
def service(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    found = member_service(request, service_id)
    grid = service_grid(service=found, page_number=request.GET.get("page"))
    context = {
        "service": found,
        "grid": grid,
        "channels": alert_channel_rows(service=found),
        "openapi_form": OpenAPIImportForm(),
        "environments": environment_rows(service=found),
        "archived_environments": archived_environments(service=found),
        "archived_endpoints": archived_endpoints(service=found),
    }
    return render(request, "web/pages/service.html", context)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def endpoint(request: HtmxHttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    found = member_endpoint(request, service_id, endpoint_id)
    method = asked_method(request.GET.get("method"))
    context = {
        "view": endpoint_view(endpoint=found, method=method),
        "focus": request.GET.get("env", ""),
        "page_size": HISTORY_CHANGES,
        "strip_runs": STRIP_RUNS,
    }
    return _page(
        request, context, page="web/pages/endpoint.html", partial="web/pages/_endpoint_body.html"
    )


@require_GET
@login_required
@vary_on_headers("HX-Request")
def endpoint_history(
    request: HtmxHttpRequest, service_id: int, endpoint_id: int, environment_id: int
) -> HttpResponse:
    """Older method changes of one environment, a page at a time: the endpoint page shows
    only the newest."""
    found = member_endpoint(request, service_id, endpoint_id)
    environment = member_environment(request, service_id, environment_id)
    before = request.GET.get("before", "")
    context = {
        "endpoint": found,
        "environment": environment,
        "history": method_history(
            endpoint=found,
            environment=environment,
            before=int(before) if before.isdigit() else None,
        ),
        "first_page": not before.isdigit(),
        "page_size": HISTORY_CHANGES,
    }
    return _page(
        request, context, page="web/pages/history.html", partial="web/pages/_history_items.html"
    )


@require_GET
@login_required
def run(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """One run as it was stored, for links in chat and tickets; ?method=M leads with M's
    answer and judges the checklist for it."""
    found = member_run(request, run_id)
    method = asked_method(request.GET.get("method"))
    diagnosis = None
    if found.observation is not None:
        diagnosis = stored_diagnosis(
            observation=found.observation,
            findings=StoredFinding.objects.filter(observation=found.observation).order_by("id"),
            method=method,
            declared=found.endpoint.declared_methods,
        )
    context = {
        "run": found,
        "diagnosis": diagnosis,
        "method": method,
        "methods": PLAIN_METHODS,
        "answer": panel_for(diagnosis, method=method, anchor="finding") if diagnosis else None,
        "groups": group_by_severity(diagnosis.findings) if diagnosis else [],
        "matrix": build_matrix(
            [column_for(found.environment, found, diagnosis)], path=found.endpoint.path
        ),
    }
    return render(request, "web/pages/run.html", context)
