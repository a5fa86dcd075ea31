"""Alert channels of a service: add, change the rules, send a test, delete. The list
lives on the service page (templates/web/alerts/_channels.html) and the drift page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from diagnoser.access import member_alert_channel, member_service
from diagnoser.htmx import HtmxHttpRequest
from diagnoser.inventory.models import Service
from diagnoser.monitoring.selectors.alerts import alert_channel_rows, channel_url_masked
from diagnoser.monitoring.services.alert_channels import (
    alert_channel_create,
    alert_channel_delete,
    alert_channel_rules_set,
    alert_channel_test,
)
from diagnoser.security.limits import webhook_tests_take
from diagnoser.web.alerts.forms import AlertChannelForm, AlertRulesForm
from diagnoser.web.setup.forms import add_service_errors


def _back(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    """To the page the button was on (service or drift), else the service page."""
    if request.POST.get("next") == "drift":
        return redirect("web:drift", service_id=service_id)
    return redirect("web:service", service_id=service_id)


def _channels(request: HtmxHttpRequest, service: Service) -> HttpResponse:
    """The channel list again, for htmx; the service came with its member-checked channel."""
    return render(
        request,
        "web/alerts/_channels.html",
        {"service": service, "channels": alert_channel_rows(service=service)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def alert_channel_new(request: HtmxHttpRequest, service_id: int) -> HttpResponse:
    service = member_service(request, service_id)
    form = AlertChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                channel = alert_channel_create(
                    service=service, name=data["name"], url=data["url"], events=data["events"]
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Alert channel {channel.name} added. Send a test to check it."
            )
            return redirect("web:service", service_id=service.id)
    return render(request, "web/alerts/channel_form.html", {"service": service, "form": form})


@require_POST
@login_required
def alert_channel_rules(request: HtmxHttpRequest, service_id: int, channel_id: int) -> HttpResponse:
    channel = member_alert_channel(request, service_id, channel_id)
    form = AlertRulesForm(request.POST)
    if form.is_valid():
        alert_channel_rules_set(channel=channel, events=form.cleaned_data["events"])
        messages.success(request, f"Rules of {channel.name} saved.")
    if request.htmx:
        return _channels(request, channel.service)
    return _back(request, service_id)


@require_POST
@login_required
def alert_channel_test_send(
    request: HtmxHttpRequest, service_id: int, channel_id: int
) -> HttpResponse:
    """Queue a test alert for a worker; its outcome shows as the channel's health."""
    channel = member_alert_channel(request, service_id, channel_id)
    refusal = webhook_tests_take(request, url=channel_url_masked(channel.url))
    if refusal is not None:
        messages.error(request, refusal.message)
    else:
        alert_channel_test(channel=channel)
        messages.info(
            request,
            f"Test alert to {channel.name} queued: a worker sends it now. Reload to see "
            "whether it was delivered.",
        )
    if request.htmx:
        return _channels(request, channel.service)
    return _back(request, service_id)


@require_http_methods(["GET", "POST"])
@login_required
def alert_channel_remove(
    request: HtmxHttpRequest, service_id: int, channel_id: int
) -> HttpResponse:
    """GET asks first (what goes); POST deletes."""
    channel = member_alert_channel(request, service_id, channel_id)
    if request.method == "POST":
        alert_channel_delete(channel=channel)
        messages.success(request, f"Alert channel {channel.name} deleted.")
        return redirect("web:service", service_id=service_id)
    return render(
        request,
        "web/alerts/channel_delete.html",
        {
            "service": channel.service,
            "channel": channel,
            "masked": channel_url_masked(channel.url),
            "deliveries": channel.deliveries.count(),
        },
    )
