"""The public side: a share link's frozen snapshot and its exports, no login.

An unknown, expired and revoked token all get the same 404 page, so a visitor learns
nothing about which tokens once existed. Every answer keeps the URL out of Referer
headers, search indexes and caches.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from diagnoser.security.limits import shares_take
from diagnoser.sharing.markdown import drift_markdown, endpoint_markdown, run_markdown
from diagnoser.sharing.models import ShareLink
from diagnoser.sharing.present import drift_view, endpoint_views, run_view
from diagnoser.sharing.selectors import share_link_resolve
from diagnoser.sharing.views import json_response, markdown_response

PUBLIC_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
}

LinkView = Callable[[HttpRequest, ShareLink], HttpResponse]


def _resolve(request: HttpRequest, token: str) -> ShareLink | None:
    """The one place a public token is looked up, behind a per-address rate limit
    (a 429 with Retry-After past it) so nobody can hammer the lookup."""
    shares_take(request)
    return share_link_resolve(token=token)


def shared(view: LinkView) -> Callable[[HttpRequest, str], HttpResponse]:
    """Resolve the token for `view` (or answer the not-found page) and add the headers."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        link = _resolve(request, token)
        if link is None:
            response = render(request, "sharing/public_missing.html", status=404)
        else:
            response = view(request, link)
        for name, value in PUBLIC_HEADERS.items():
            response[name] = value
        return response

    return wrapper


def _filename(link: ShareLink, extension: str) -> str:
    return f"shared-{link.kind.replace('_', '-')}-{link.created_at:%Y%m%d-%H%M}.{extension}"


@require_safe
@shared
def public(request: HttpRequest, link: ShareLink) -> HttpResponse:
    context: dict[str, object] = {"link": link}
    if link.kind == ShareLink.Kind.RUN:
        context["run"] = run_view(link.snapshot)
        return render(request, "sharing/public_run.html", context)
    if link.kind == ShareLink.Kind.ENDPOINT:
        context["runs"] = endpoint_views(link.snapshot)
        context["snapshot"] = link.snapshot
        return render(request, "sharing/public_endpoint.html", context)
    context["drift"] = drift_view(link.snapshot)
    return render(request, "sharing/public_drift.html", context)


@require_safe
@shared
def public_export_markdown(request: HttpRequest, link: ShareLink) -> HttpResponse:
    if link.kind == ShareLink.Kind.RUN:
        text = run_markdown(run_view(link.snapshot), snapshot_of=link.created_at)
    elif link.kind == ShareLink.Kind.ENDPOINT:
        text = endpoint_markdown(endpoint_views(link.snapshot), snapshot_of=link.created_at)
    else:
        text = drift_markdown(drift_view(link.snapshot), snapshot_of=link.created_at)
    return markdown_response(text, filename=_filename(link, "md"))


@require_safe
@shared
def public_export_json(request: HttpRequest, link: ShareLink) -> HttpResponse:
    return json_response(link.snapshot, filename=_filename(link, "json"))
