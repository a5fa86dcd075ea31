"""Alert channel forms: they only parse; the channel services validate (the URL's scheme
and address, the name, the events)."""

from django import forms

from diagnoser.monitoring.alert_models import ALERT_EVENT_HELP, AlertEvent

EVENT_CHOICES = [(e.value, f"{e.label}: {ALERT_EVENT_HELP[e]}") for e in AlertEvent]


class AlertRulesForm(forms.Form):
    events = forms.MultipleChoiceField(
        label="Send",
        choices=EVENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: the channel is kept but told nothing.",
    )


class AlertChannelForm(AlertRulesForm):
    name = forms.CharField(max_length=100, help_text="Like team-chat or on-call.")
    url = forms.CharField(
        label="Apprise URL",
        max_length=2000,
        widget=forms.PasswordInput(render_value=False),
        help_text="slack://…, workflows://… (Microsoft Teams), pagerduty://…, discord://…, "
        "mailto://…, or json://host/path for a generic webhook. Stored encrypted and never "
        "shown again whole.",
    )
    field_order = ["name", "url", "events"]
