"""Members' side of sharing: make a link, list and revoke links, export a diagnosis."""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from diagnoser.access import (
    current_workspace,
    get_for_member,
    member_drift_report,
    member_endpoint,
    member_run,
)
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.models import Endpoint
from diagnoser.monitoring.models import DriftReport, ProbeRun
from diagnoser.sharing.forms import ShareForm
from diagnoser.sharing.markdown import drift_markdown, endpoint_markdown, run_markdown
from diagnoser.sharing.models import Expiry, ShareLink
from diagnoser.sharing.present import drift_view, endpoint_views, run_view
from diagnoser.sharing.redact import carries_secrets
from diagnoser.sharing.selectors import (
    ENDED_SHOWN,
    drift_report_document,
    drift_report_title,
    endpoint_document,
    endpoint_title,
    run_document,
    run_title,
    share_links_active,
    share_links_ended,
)
from diagnoser.sharing.services import share_link_create, share_link_revoke


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _share(
    request: HtmxHttpRequest,
    *,
    title: str,
    run: ProbeRun | None = None,
    report: DriftReport | None = None,
    endpoint: Endpoint | None = None,
    bodies_choice: bool = False,
) -> HttpResponse:
    """GET: the form; POST: make the link to `run` or `report` and show its URL, the only
    time it is shown. `bodies_choice`: the snapshot would leave response bodies out unless
    asked."""
    form = ShareForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        include_bodies = bodies_choice and form.cleaned_data["include_bodies"]
        try:
            link, token = share_link_create(
                run=run,
                report=report,
                endpoint=endpoint,
                user=_user(request),
                expires_in=Expiry(form.cleaned_data["expires_in"]),
                include_bodies=include_bodies,
            )
        except ValidationError as error:
            form.add_error(None, error)
            status = 409
        else:
            url = request.build_absolute_uri(reverse("sharing:public", args=[token]))
            context = {"link": link, "url": url, "title": title}
            template = "sharing/_share_panel.html" if request.htmx else "sharing/created.html"
            response = render(request, template, context)
            # The page holds a working token: keep it out of every cache.
            response["Cache-Control"] = "private, no-store"
            return response
    elif request.method == "POST":
        status = 400
    context = {"form": form, "title": title, "action": request.path, "bodies_choice": bodies_choice}
    if request.htmx:
        # htmx 2 swaps no 4xx answer: the form with its errors comes back as a 200.
        return render(request, "sharing/_share_form.html", context)
    return render(request, "sharing/share.html", context, status=status)


def _share_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET shows the form and POST makes the link, for members only; htmx gets fragments,
    so the answer varies on HX-Request."""
    return require_http_methods(["GET", "HEAD", "POST"])(
        login_required(vary_on_headers("HX-Request")(view))
    )


@_share_page
def run_share(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = member_run(request, run_id)
    return _share(
        request,
        title=run_title(run=run),
        run=run,
        bodies_choice=carries_secrets(environments=[run.environment]),
    )


@_share_page
def drift_report_share(request: HtmxHttpRequest, report_id: int) -> HttpResponse:
    report = member_drift_report(request, report_id)
    return _share(request, title=drift_report_title(report=report), report=report)


@_share_page
def endpoint_share(request: HtmxHttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = member_endpoint(request, service_id, endpoint_id)
    return _share(
        request,
        title=endpoint_title(endpoint=endpoint),
        endpoint=endpoint,
        bodies_choice=carries_secrets(environments=endpoint.service.environments.all()),
    )


@require_safe
@login_required
def share_list(request: HttpRequest) -> HttpResponse:
    workspace = current_workspace(request)
    none = ShareLink.objects.none()
    links = share_links_active(workspace=workspace) if workspace else none
    ended = share_links_ended(workspace=workspace) if workspace else none
    context = {
        "workspace": workspace,
        "links": links,
        "ended": ended,
        "ended_shown": ENDED_SHOWN,
        "now": timezone.now(),
    }
    return render(request, "sharing/list.html", context)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def share_revoke(request: HtmxHttpRequest, link_id: int) -> HttpResponse:
    link = get_for_member(request, ShareLink.objects.defer("snapshot"), "workspace", id=link_id)
    link = share_link_revoke(link=link, user=_user(request))
    if request.htmx:
        # The same button sits in a list row and in the just-created panel.
        panel = request.POST.get("then") == "panel"
        template = "sharing/_share_panel.html" if panel else "sharing/_share_row.html"
        return render(request, template, {"link": link, "title": link.title})
    messages.success(request, f"Revoked the link to {link.title}: it now answers “not found”.")
    return redirect("sharing:list")


def markdown_response(text: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def json_response(document: dict[str, Any], *, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _no_result(run_id: int, state: str) -> HttpResponse:
    return HttpResponseNotFound(
        f"Run {run_id} has no stored result ({state}): export a finished run, or probe again.\n",
        content_type="text/plain; charset=utf-8",
    )


def _run_export(
    request: HttpRequest,
    run_id: int,
    respond: Callable[[ProbeRun, dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """A member's run as `respond` writes its stored document; a run without one is a 404."""
    run = member_run(request, run_id)
    document = run_document(run=run)
    if document is None:
        return _no_result(run.id, run.state)
    return respond(run, document)


def _run_as_markdown(run: ProbeRun, document: dict[str, Any]) -> HttpResponse:
    return markdown_response(run_markdown(run_view(document)), filename=f"run-{run.id}.md")


def _run_as_json(run: ProbeRun, document: dict[str, Any]) -> HttpResponse:
    return json_response(document, filename=f"run-{run.id}.json")


@require_safe
@login_required
def run_export_markdown(request: HttpRequest, run_id: int) -> HttpResponse:
    return _run_export(request, run_id, _run_as_markdown)


@require_safe
@login_required
def run_export_json(request: HttpRequest, run_id: int) -> HttpResponse:
    return _run_export(request, run_id, _run_as_json)


@require_safe
@login_required
def drift_report_export_markdown(request: HttpRequest, report_id: int) -> HttpResponse:
    report = member_drift_report(request, report_id)
    text = drift_markdown(drift_view(drift_report_document(report=report)))
    return markdown_response(text, filename=f"drift-report-{report.id}.md")


@require_safe
@login_required
def drift_report_export_json(request: HttpRequest, report_id: int) -> HttpResponse:
    report = member_drift_report(request, report_id)
    document = drift_report_document(report=report)
    return json_response(document, filename=f"drift-report-{report.id}.json")


def _endpoint_export(
    request: HttpRequest, service_id: int, endpoint_id: int
) -> tuple[Endpoint, dict[str, Any] | None]:
    endpoint = member_endpoint(request, service_id, endpoint_id)
    return endpoint, endpoint_document(endpoint=endpoint)


def _never_probed(endpoint: Endpoint) -> HttpResponse:
    return HttpResponseNotFound(
        f"{endpoint.path} has no finished run in any environment yet: press Probe now on its "
        "page, then export it once a run finishes.\n",
        content_type="text/plain; charset=utf-8",
    )


@require_safe
@login_required
def endpoint_export_markdown(
    request: HttpRequest, service_id: int, endpoint_id: int
) -> HttpResponse:
    endpoint, document = _endpoint_export(request, service_id, endpoint_id)
    if document is None:
        return _never_probed(endpoint)
    text = endpoint_markdown(endpoint_views(document))
    return markdown_response(text, filename=f"endpoint-{endpoint.id}.md")


@require_safe
@login_required
def endpoint_export_json(request: HttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    endpoint, document = _endpoint_export(request, service_id, endpoint_id)
    if document is None:
        return _never_probed(endpoint)
    return json_response(document, filename=f"endpoint-{endpoint.id}.json")
