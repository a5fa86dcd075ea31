"""Drift between a service's environments, its drift checks and their reports.

Owners and members both edit drift checks; outsiders get 404 for everything.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from diagnoser.access import member_drift_check, member_drift_report, member_service
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.models import Service
from diagnoser.monitoring.models import DriftCheck
from diagnoser.monitoring.queue import BrokerUnavailable
from diagnoser.monitoring.selectors import (
    archived_drift_checks,
    newest_report,
    report_runs_compared,
)
from diagnoser.monitoring.selectors.alerts import alert_channel_rows
from diagnoser.monitoring.services.alerts import drift_check_test_alert
from diagnoser.monitoring.services.drift_checks import (
    drift_check_create,
    drift_check_rename,
    drift_check_update,
)
from diagnoser.security.limits import Refusal, webhook_tests_take
from diagnoser.web.drift.forms import CRONTAB, EVERY, DriftCheckForm
from diagnoser.web.drift.run_now import Busy, drift_check_run_now
from diagnoser.web.drift.tables import check_row, check_rows, drift_rows
from diagnoser.web.setup.forms import add_service_errors


@require_GET
@login_required
def drift(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    return _drift_page(request, member_service(request, service_id))


def _drift_page(request: HtmxHttpRequest, service: Service, status: int = 200) -> HttpResponse:
    environments, rows = drift_rows(service=service)
    context = {
        "service": service,
        "environments": environments,
        "rows": rows,
        "drifting": sum(1 for row in rows if row.findings),
        "contracts": any(row.endpoint.declared_methods for row in rows),
        "checks": check_rows(service=service),
        "archived_checks": archived_drift_checks(service=service),
        "channels": alert_channel_rows(service=service),
        "next_page": "drift",
    }
    return render(request, "web/drift/drift.html", context, status=status)


def _save(form: DriftCheckForm, check: DriftCheck | None) -> DriftCheck | None:
    """Create or update from a valid form; None (errors on the form) when a service refuses."""
    data = form.cleaned_data
    schedule = data["schedule"]
    every = data["every"] if schedule == EVERY else ""
    crontab = data["crontab"] if schedule == CRONTAB else ""
    try:
        with transaction.atomic():
            if check is None:
                return drift_check_create(
                    service=form.service,
                    name=data["name"],
                    endpoints=data["endpoints"],
                    environments=data["environments"],
                    every=every or None,
                    crontab=crontab,
                    enabled=data["enabled"],
                    webhook_url=data["webhook_url"],
                )
            drift_check_rename(check=check, name=data["name"])
            return drift_check_update(
                check=check,
                endpoints=data["endpoints"],
                environments=data["environments"],
                every=every,
                crontab=crontab,
                enabled=data["enabled"],
                webhook_url=data["webhook_url"],
            )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@require_http_methods(["GET", "POST"])
@login_required
def drift_check_new(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    form = DriftCheckForm(request.POST if request.method == "POST" else None, service=service)
    if form.is_valid() and (check := _save(form, None)) is not None:
        messages.success(request, f"Drift check {check.name} saved.")
        return redirect("web:drift", service_id=service.id)
    return render(request, "web/drift/check_form.html", {"form": form, "service": service})


@require_http_methods(["GET", "POST"])
@login_required
def drift_check_edit(request: HtmxHttpRequest, service_id: int, check_id: int) -> HttpResponse:
    check = member_drift_check(request, service_id, check_id)
    form = DriftCheckForm(
        request.POST if request.method == "POST" else None, service=check.service, instance=check
    )
    if form.is_valid() and _save(form, check) is not None:
        messages.success(request, f"Drift check {check.name} saved.")
        return redirect("web:drift", service_id=service_id)
    return render(
        request,
        "web/drift/check_form.html",
        {"form": form, "service": check.service, "check": check},
    )


@require_POST
@login_required
@vary_on_headers("HX-Request")
def drift_check_toggle(request: HtmxHttpRequest, service_id: int, check_id: int) -> HttpResponse:
    """Switch the schedule on or off; HTMX swaps the check's row."""
    check = member_drift_check(request, service_id, check_id)
    drift_check_update(check=check, enabled=not check.enabled)
    if not request.htmx:
        return redirect("web:drift", service_id=service_id)
    row = check_row(check, newest_report(check=check))
    return render(request, "web/drift/_check_row.html", {"row": row, "service": check.service})


@require_POST
@login_required
def drift_check_run(request: HtmxHttpRequest, service_id: int, check_id: int) -> HttpResponse:
    check = member_drift_check(request, service_id, check_id)
    try:
        started = drift_check_run_now(request=request, check=check)
    except BrokerUnavailable as error:
        messages.error(
            request,
            f"Could not queue {check.name}: the broker at {error.broker_url} did not answer "
            f"({error.error}). Start Redis, or point CELERY_BROKER_URL at a running broker, "
            "then press Run now again. The drift check itself is saved.",
        )
    else:
        if isinstance(started, Busy):
            messages.error(request, _busy_text(check, started))
            return _drift_page(request, check.service, status=409)
        if isinstance(started, Refusal):
            messages.error(request, f"{check.name} was not run. {started.message}")
            response = _drift_page(request, check.service, status=429)
            response["Retry-After"] = str(started.retry_after)
            return response
        messages.success(
            request,
            format_html(
                '{} is queued: a worker probes every target, then <a href="{}">its report</a> '
                "shows under Last report (reload in a few seconds).",
                check.name,
                reverse("web:drift_report", args=[started.id]),
            ),
        )
    return redirect("web:drift", service_id=service_id)


def _busy_text(check: DriftCheck, busy: Busy) -> str:
    if busy.report is None:
        return f"{check.name} is being started by another Run now: reload in a few seconds."
    return format_html(
        '{} is still running <a href="{}">report {}</a>, started {} UTC: wait for it to '
        "finish, then press Run now again.",
        check.name,
        reverse("web:drift_report", args=[busy.report.id]),
        busy.report.id,
        busy.report.created_at.strftime("%H:%M:%S"),
    )


@require_POST
@login_required
@vary_on_headers("HX-Request")
def drift_check_test(request: HtmxHttpRequest, service_id: int, check_id: int) -> HttpResponse:
    """POST a test payload to the saved webhook now and show what came back."""
    check = member_drift_check(request, service_id, check_id)
    refusal = webhook_tests_take(request, url=check.webhook_url) if check.webhook_url else None
    context: dict[str, object]
    if refusal is not None:
        context = {"problem": refusal.message}
    else:
        try:
            context = {"attempt": drift_check_test_alert(check=check)}
        except ValidationError as error:
            context = {"problem": " ".join(error.messages)}
    if request.htmx:
        # 200 so htmx swaps the refusal in (it ignores error statuses by default).
        response = render(request, "web/drift/_test_alert.html", context)
    else:
        form = DriftCheckForm(service=check.service, instance=check)
        response = render(
            request,
            "web/drift/check_form.html",
            {"form": form, "service": check.service, "check": check, **context},
            status=200 if refusal is None else 429,
        )
    if refusal is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response


@require_GET
@login_required
def drift_report(request: HtmxHttpRequest, report_id: int) -> HttpResponse:
    """One drift report as it was finished, for links in chat and tickets."""
    report = member_drift_report(request, report_id)
    return render(
        request,
        "web/drift/report.html",
        {
            "report": report,
            "service": report.drift_check.service,
            "deliveries": report.deliveries.all(),
            "compared": report_runs_compared(report=report),
        },
    )
