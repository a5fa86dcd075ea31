"""The drift-check editor: what to compare, when, and whom to tell.

The form only parses what was typed; the drift-check services validate it (names,
intervals, crontabs, the webhook's address), so inventory import gets the same rules."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from diagnoser.inventory.models import Endpoint, Environment, Service
from diagnoser.monitoring.models import DriftCheck
from diagnoser.monitoring.services.drift_schedules import format_every

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
        initial="1h",  # a real value: a placeholder looked filled in and errored when left
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
        return str(self.cleaned_data["name"]).strip()

    def clean_every(self) -> str:
        return self._for_schedule(
            "every", EVERY, "give an interval like 1h, or pick another schedule"
        )

    def clean_crontab(self) -> str:
        return self._for_schedule(
            "crontab", CRONTAB, "give a crontab like */15 * * * *, or pick another schedule"
        )

    def _for_schedule(self, field: str, schedule: str, missing: str) -> str:
        """What was typed in `field` when the chosen schedule uses it (then it is
        required), else "": the other schedule's box may hold leftovers."""
        text = str(self.cleaned_data[field]).strip()
        if self.cleaned_data.get("schedule") != schedule:
            return ""
        if not text:
            raise ValidationError(missing)
        return text

    def clean_webhook_url(self) -> str:
        return str(self.cleaned_data["webhook_url"]).strip()

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
