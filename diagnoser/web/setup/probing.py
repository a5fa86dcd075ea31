"""Scheduled probing on the setup pages: the "probe every" and pause fields of services
and environments, and the probe every registration or edit asks for.

A page saves and probes in one transaction: the runs are published when it commits. If
the broker is down then, what was saved stays saved, the runs stay queued for the
sweeper, and the page says the probing will happen on schedule.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from diagnoser.inventory.models import Endpoint, Environment
from diagnoser.monitoring.queue import BrokerUnavailable
from diagnoser.monitoring.services.drift_schedules import format_every
from diagnoser.monitoring.services.probe_schedules import (
    probe_every_parse,
    targets_probe_now,
)

T = TypeVar("T")

EVERY_HELP = "Like 15m, 1h or 1d (1m at the most often)."


def _every(text: str) -> int | None:
    if not text.strip():
        return None
    try:
        return probe_every_parse(text.strip())
    except ValidationError as error:
        raise ValidationError(error.message_dict["probe_every"]) from None


class ServiceScheduleForm(forms.Form):
    probe_every = forms.CharField(
        label="Probe every",
        required=False,
        max_length=10,
        help_text=f"How often each endpoint is probed in each environment. {EVERY_HELP}",
    )
    probing_paused = forms.BooleanField(
        label="Pause scheduled probing",
        required=False,
        help_text="Nothing is probed on schedule or on edits; Probe now still works.",
    )

    def clean_probe_every(self) -> int | None:
        """None (left blank): keep what is set (a service), or follow the service's (an
        environment)."""
        return _every(self.cleaned_data["probe_every"])


class EnvironmentScheduleForm(ServiceScheduleForm):
    """The same fields for an environment, which overrides its service's schedule."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["probe_every"].help_text = f"Empty: the service's interval. {EVERY_HELP}"
        paused = self.fields["probing_paused"]
        paused.label, paused.help_text = "Pause scheduled probing of this environment", ""


def schedule_initial(every: int | None, paused: bool) -> dict[str, Any]:
    return {
        "probe_every": format_every(every) if every else "",
        "probing_paused": paused,
    }


def save_and_probe(
    save: Callable[[], T],
    *,
    endpoints: Callable[[T], Iterable[Endpoint]] = lambda _: (),
    environments: Callable[[T], Iterable[Environment]] = lambda _: (),
) -> tuple[T, str]:
    """Run `save` and ask for a probe of what it returns, in one transaction.

    Returns save's result and a sentence for the page about the probing ("" when nothing
    is probed). ValidationError from save reaches the caller; nothing was saved then."""
    try:
        with transaction.atomic():
            saved = save()
            queued = targets_probe_now(endpoints=endpoints(saved), environments=environments(saved))
    except BrokerUnavailable:
        return saved, (
            "The broker is unavailable, so it could not be probed now: probing will "
            "happen on schedule once the broker is back."
        )
    if not queued:
        return saved, ""
    return saved, f"Probing it now ({len(queued)} target{'s' if len(queued) != 1 else ''})."
