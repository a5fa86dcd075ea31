"""Archive, restore and delete services, environments, endpoints and drift checks.

Archive and delete first answer a confirmation page that says what goes (counts of runs,
observations, drift reports and working share links) and act only on its POST, which
carries `confirm=<action>`; restore is a plain POST, as it takes nothing away. Archived
things are loaded with `archived=True` here only. Outsiders get 404 for everything.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from diagnoser.access import member_drift_check, member_endpoint, member_environment, member_service
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import DriftCheck
from diagnoser.monitoring.selectors.impact import (
    History,
    drift_check_history,
    endpoint_history,
    environment_history,
    service_history,
)
from diagnoser.monitoring.services import archive
from diagnoser.monitoring.services.drift_checks import drift_check_delete
from diagnoser.sharing.selectors import share_links_of, share_links_working
from diagnoser.sharing.services import share_links_drop

ARCHIVE, DELETE = "archive", "delete"


@dataclass(frozen=True)
class Subject:
    """What a confirmation page names and counts, and where it leads back to."""

    kind: str  # "service", "environment", "endpoint", "drift check"
    name: str  # "shop/prod"
    history: History
    back: str  # the page it is managed from (Cancel)
    restore_from: str  # the page whose Archived list restores it

    def counts(self) -> list[tuple[int, str, str]]:
        """(count, what, why it counts) rows for the page."""
        history = self.history
        links = share_links_working(
            links=share_links_of(runs=history.runs, reports=history.reports)
        )
        rows = [(count, f"{kind}s" if count != 1 else kind, "") for kind, count in history.parts]
        return [
            *rows,
            (history.runs.count(), "probe runs", "every probe of its targets, scheduled or not"),
            (
                history.observations.count(),
                "stored observations",
                "what the probes saw; unchanged runs share one",
            ),
            (history.reports.count(), "drift reports", "the comparisons its drift checks made"),
            (links.count(), "working share links", "links to those runs and reports, unexpired"),
        ]


def _delete(
    request: HtmxHttpRequest, subject: Subject, remove: Callable[[], object], *, done: str
) -> HttpResponse:
    """Delete after confirmation, its share links first: their tokens then answer the
    not-found page."""

    def perform() -> None:
        share_links_drop(runs=subject.history.runs, reports=subject.history.reports)
        remove()

    return _confirm(request, subject=subject, action=DELETE, perform=perform, done=done)


def _confirm(
    request: HtmxHttpRequest,
    *,
    subject: Subject,
    action: str,
    perform: Callable[[], object],
    done: str,
) -> HttpResponse:
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == action:
            with transaction.atomic():
                perform()
            verb = "archived" if action == ARCHIVE else "deleted with its history"
            messages.success(request, f"{subject.kind.capitalize()} {subject.name} {verb}.")
            return redirect(done)
        error = f"Nothing was {action}d: use the {action.capitalize()} button to confirm."
    context = {"subject": subject, "action": action, "error": error}
    return render(request, "web/setup/confirm.html", context, status=400 if error else 200)


# Services: archived and restored from the overview, from their edit page


def _service_subject(service: Service) -> Subject:
    overview = reverse("web:overview")
    return Subject(
        kind="service",
        name=service.name,
        history=service_history(service=service),
        back=overview if service.archived_at else reverse("web:service_edit", args=[service.id]),
        restore_from=overview,
    )


@require_http_methods(["GET", "POST"])
@login_required
def service_archive(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    return _confirm(
        request,
        subject=_service_subject(service),
        action=ARCHIVE,
        perform=lambda: archive.service_archive(service=service),
        done=reverse("web:overview"),
    )


@require_POST
@login_required
def service_restore(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id, archived=True)
    archive.service_restore(service=service)
    messages.success(
        request,
        f"Service {service.name} restored with what was archived with it: probed on its "
        "schedule and shown again.",
    )
    return redirect("web:service", service_id=service.id)


@require_http_methods(["GET", "POST"])
@login_required
def service_delete(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id, archived=True)
    return _delete(
        request,
        _service_subject(service),
        lambda: archive.service_delete(service=service),
        done=reverse("web:overview"),
    )


# Environments and endpoints: listed, archived and restored on their service's page


def _part_subject(*, kind: str, name: str, history: History, service_id: int) -> Subject:
    page = reverse("web:service", args=[service_id])
    return Subject(kind=kind, name=name, history=history, back=page, restore_from=page)


def _environment_subject(environment: Environment) -> Subject:
    return _part_subject(
        kind="environment",
        name=str(environment),
        history=environment_history(environment=environment),
        service_id=environment.service_id,
    )


def _endpoint_subject(endpoint: Endpoint) -> Subject:
    return _part_subject(
        kind="endpoint",
        name=f"{endpoint.service.name} {endpoint.path}",
        history=endpoint_history(endpoint=endpoint),
        service_id=endpoint.service_id,
    )


def _archive_part(
    request: HtmxHttpRequest, subject: Subject, perform: Callable[[], object]
) -> HttpResponse:
    return _confirm(request, subject=subject, action=ARCHIVE, perform=perform, done=subject.back)


def _restored_part(
    request: HtmxHttpRequest, subject: Subject, *, again: str = "probed on its schedule again"
) -> HttpResponse:
    messages.success(request, f"{subject.kind.capitalize()} {subject.name} restored: {again}.")
    return redirect(subject.back)


@require_http_methods(["GET", "POST"])
@login_required
def environment_archive(
    request: HtmxHttpRequest, service_id: int, environment_id: int
) -> HttpResponse:
    environment = member_environment(request, service_id, environment_id)
    return _archive_part(
        request,
        _environment_subject(environment),
        lambda: archive.environment_archive(environment=environment),
    )


@require_POST
@login_required
def environment_restore(
    request: HtmxHttpRequest, service_id: int, environment_id: int
) -> HttpResponse:
    environment = member_environment(request, service_id, environment_id, archived=True)
    archive.environment_restore(environment=environment)
    return _restored_part(request, _environment_subject(environment))


@require_http_methods(["GET", "POST"])
@login_required
def environment_delete(
    request: HtmxHttpRequest, service_id: int, environment_id: int
) -> HttpResponse:
    environment = member_environment(request, service_id, environment_id, archived=True)
    subject = _environment_subject(environment)
    return _delete(
        request,
        subject,
        lambda: archive.environment_delete(environment=environment),
        done=subject.back,
    )


@require_http_methods(["GET", "POST"])
@login_required
def endpoint_archive(request: HtmxHttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = member_endpoint(request, service_id, endpoint_id)
    return _archive_part(
        request, _endpoint_subject(endpoint), lambda: archive.endpoint_archive(endpoint=endpoint)
    )


@require_POST
@login_required
def endpoint_restore(request: HtmxHttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = member_endpoint(request, service_id, endpoint_id, archived=True)
    archive.endpoint_restore(endpoint=endpoint)
    return _restored_part(request, _endpoint_subject(endpoint))


@require_http_methods(["GET", "POST"])
@login_required
def endpoint_delete(request: HtmxHttpRequest, service_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = member_endpoint(request, service_id, endpoint_id, archived=True)
    subject = _endpoint_subject(endpoint)
    return _delete(
        request, subject, lambda: archive.endpoint_delete(endpoint=endpoint), done=subject.back
    )


# Drift checks: listed, archived and restored on their service's drift page


def _drift_check_subject(check: DriftCheck) -> Subject:
    page = reverse("web:drift", args=[check.service_id])
    return Subject(
        kind="drift check",
        name=f"{check.service.name}/{check.name}",
        history=drift_check_history(check=check),
        back=page,
        restore_from=page,
    )


@require_http_methods(["GET", "POST"])
@login_required
def drift_check_archive(request: HtmxHttpRequest, service_id: int, check_id: int) -> HttpResponse:
    check = member_drift_check(request, service_id, check_id)
    return _archive_part(
        request, _drift_check_subject(check), lambda: archive.drift_check_archive(check=check)
    )


@require_POST
@login_required
def drift_check_restore(request: HtmxHttpRequest, service_id: int, check_id: int) -> HttpResponse:
    check = member_drift_check(request, service_id, check_id, archived=True)
    archive.drift_check_restore(check=check)
    return _restored_part(
        request, _drift_check_subject(check), again="it runs on its schedule again, reports kept"
    )


@require_http_methods(["GET", "POST"])
@login_required
def drift_check_remove(request: HtmxHttpRequest, service_id: int, check_id: int) -> HttpResponse:
    """Delete a drift check, archived or not, with its reports (the targets' own history
    stays)."""
    check = member_drift_check(request, service_id, check_id, archived=True)
    subject = _drift_check_subject(check)
    return _delete(request, subject, lambda: drift_check_delete(check=check), done=subject.back)
