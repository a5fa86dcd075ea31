"""The drift-check editor: what to compare, when, and whom to tell."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.engine_config import engine_config
from diagnoser.monitoring.models import DriftCheck
from diagnoser.monitoring.services.drift import (
    crontab_validate,
    drift_check_name_validate,
    format_every,
    parse_every,
)
from diagnoser.probing.guard import BlockedAddress
from diagnoser.probing.transport import check_destination
from diagnoser.probing.urls import InvalidTarget, validate_target_url
from diagnoser.web.setup.forms import field_errors

EVERY, CRONTAB, BY_HAND = "every", "crontab", "none"


class EndpointChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.path)


class EnvironmentChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class DriftCheckForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Like nightly or release-gate.")
    scope = forms.ChoiceField(
        label="Endpoints",
        widget=forms.RadioSelect,
        initial="service",
        choices=[
            ("service", "The whole service, including endpoints added later"),
            ("chosen", "Only the endpoints ticked below"),
        ],
    )
    endpoints = EndpointChoices(
        label="Chosen endpoints",
        queryset=Endpoint.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    environments = EnvironmentChoices(
        label="Environments to compare",
        queryset=Environment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick two or more; none ticked compares all of them, "
        "including environments added later.",
    )
    schedule = forms.ChoiceField(
        label="Schedule",
        widget=forms.RadioSelect,
        initial=EVERY,
        choices=[
            (EVERY, "At an interval"),
            (CRONTAB, "On a crontab"),
            (BY_HAND, "No schedule: only when someone presses Run now"),
        ],
    )
    every = forms.CharField(
        label="Interval",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "1h"}),
        help_text="A number and s, m, h or d: 15m, 1h, 1d (10 s at least).",
    )
    crontab = forms.CharField(
        label="Crontab",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "*/15 * * * *"}),
        help_text="minute hour day-of-month month day-of-week, in UTC; "
        "0 6 * * 1-5 is 06:00 on weekdays.",
    )
    enabled = forms.BooleanField(
        label="Enabled",
        required=False,
        initial=True,
        help_text="Off keeps the schedule but skips it.",
    )
    webhook_url = forms.CharField(
        label="Webhook URL",
        required=False,
        max_length=500,
        help_text="Gets a JSON POST (with a Slack-compatible text) when drift appears or "
        "resolves and when a method regresses. Sent through the same address guard as probes.",
    )

    def __init__(
        self, *args: Any, service: Service, instance: DriftCheck | None = None, **kwargs: Any
    ) -> None:
        if instance is not None:
            kwargs.setdefault("initial", initial_for(instance))
        super().__init__(*args, **kwargs)
        self.service, self.instance = service, instance
        endpoints = self.fields["endpoints"]
        environments = self.fields["environments"]
        assert isinstance(endpoints, forms.ModelMultipleChoiceField)
        assert isinstance(environments, forms.ModelMultipleChoiceField)
        endpoints.queryset = service.endpoints.all()
        environments.queryset = service.environments.all()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        with field_errors("name"):
            drift_check_name_validate(service=self.service, name=name, check=self.instance)
        return name

    def clean_every(self) -> str:
        every = self.cleaned_data["every"].strip()
        if self.cleaned_data.get("schedule") != EVERY:
            return ""
        if not every:
            raise ValidationError("give an interval like 1h, or pick another schedule")
        try:
            parse_every(every)
        except ValidationError as error:
            raise ValidationError(error.message_dict["every"]) from None
        return every

    def clean_crontab(self) -> str:
        crontab = self.cleaned_data["crontab"].strip()
        if self.cleaned_data.get("schedule") != CRONTAB:
            return ""
        if not crontab:
            raise ValidationError("give a crontab like */15 * * * *, or pick another schedule")
        try:
            return crontab_validate(crontab=crontab)
        except ValidationError as error:
            raise ValidationError(error.message_dict["crontab"]) from None

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"].strip()
        if not url:
            return ""
        try:
            url = validate_target_url(url)
            # Sending refuses it too, but only after the check is saved and drift appears.
            check_destination(url, engine_config().address_policy)
        except InvalidTarget as error:
            raise ValidationError(str(error)) from None
        except BlockedAddress as error:
            raise ValidationError(f"alerts could not be sent there: {error}") from None
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == "chosen" and not data.get("endpoints"):
            self.add_error("endpoints", "tick at least one endpoint, or compare the whole service")
        if data.get("scope") == "service":
            data["endpoints"] = []
        if len(data.get("environments") or ()) == 1:
            self.add_error(
                "environments", "one environment has nothing to compare with: tick two or none"
            )
        return data


def initial_for(check: DriftCheck) -> dict[str, Any]:
    endpoints = list(check.endpoints.all())
    schedule = EVERY if check.every_seconds else CRONTAB if check.crontab else BY_HAND
    return {
        "name": check.name,
        "scope": "chosen" if endpoints else "service",
        "endpoints": endpoints,
        "environments": list(check.environments.all()),
        "schedule": schedule,
        "every": format_every(check.every_seconds) if check.every_seconds else "",
        "crontab": check.crontab,
        "enabled": check.enabled,
        "webhook_url": check.webhook_url,
    }
