"""The pages people open: overview, service grid, endpoint matrix, run permalink."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from diagnoser.web.access import current_workspace
from diagnoser.web.pages.htmx import HtmxHttpRequest
from diagnoser.web.pages.overview import overview_blocks


@require_GET
@login_required
@vary_on_headers("HX-Request")
def overview(request: HtmxHttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    blocks = overview_blocks(workspace=workspace) if workspace is not None else []
    context = {"workspace": workspace, "blocks": blocks}
    if request.htmx:
        return render(request, "web/pages/_overview_rows.html", context)
    return render(request, "web/pages/overview.html", context)
