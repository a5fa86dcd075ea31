"""Forms for diagnosing a URL and registering services, environments and endpoints.

Forms check what the user typed and say what to do; the writes go through
diagnoser.inventory.services, whose ValidationErrors land on the matching field.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model

from diagnoser.inventory.models import Endpoint, Environment, Service, Workspace
from diagnoser.inventory.services import (
    endpoint_path_validate,
    environment_name_validate,
    service_name_validate,
    validate_endpoint,
)
from diagnoser.probing.model import PLAIN_METHODS, UNSAFE_METHODS, ProbePolicy, Target
from diagnoser.probing.plan import describe_policy, send_method_risk
from diagnoser.probing.urls import (
    InvalidTarget,
    parse_header,
    placeholders,
    validate_header,
    validate_target_url,
)
from diagnoser.web.setup.probing import EnvironmentScheduleForm, ServiceScheduleForm

# Each label lists exactly the requests its policy sends (a team whose WAF pages on any
# DELETE must be able to tell); safe first, as it is the default everywhere.
POLICY_CHOICES = [
    (p.value, describe_policy(p)) for p in (ProbePolicy.SAFE, ProbePolicy.STRICT, ProbePolicy.FULL)
]
METHOD_CHOICES = [(m, m) for m in PLAIN_METHODS]
M = TypeVar("M", bound=Model)


def _policy_field(*, unset: str) -> forms.ChoiceField:
    """The policy radios; `unset` says which policy applies when none is chosen."""
    return forms.ChoiceField(
        label="Probe policy",
        required=False,
        widget=forms.RadioSelect,
        choices=[("", unset), *POLICY_CHOICES],
    )


class SecretTextarea(forms.Textarea):
    """Never renders what was typed back into the page: the values are secrets."""

    def format_value(self, value: Any) -> None:
        return None


def _origin_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=300, help_text=help_text)


def _headers_field(label: str, help_text: str, *, rows: int) -> forms.CharField:
    """'Name: value' lines, secrets: the textarea never renders them back."""
    return forms.CharField(
        label=label,
        required=False,
        widget=SecretTextarea(attrs={"rows": rows, "autocomplete": "off", "spellcheck": "false"}),
        help_text=help_text,
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form field it names (else on the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@contextmanager
def field_errors(field: str) -> Iterator[None]:
    """Inside a form's clean_<field>: a service rule's error on `field` becomes the field's
    own (Django refuses a per-field dict there)."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(error.message_dict[field]) from None


def clean_origin(text: str) -> str:
    """ "" or an origin as browsers send it: scheme://host[:port], no path."""
    if not text.strip():
        return ""
    try:
        normal = validate_target_url(text)
    except InvalidTarget as error:
        raise ValidationError(str(error)) from None
    parts = urlsplit(normal)
    if parts.path not in ("", "/") or parts.query:
        raise ValidationError(
            "an origin has no path: write scheme://host[:port], like https://app.example.com"
        )
    return normal.rstrip("/")


def _headers(text: str) -> tuple[tuple[str, str], ...]:
    headers, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            headers.append(parse_header(line))
        except InvalidTarget as error:
            errors.append(f"line {number}: {error}")
    if errors:
        raise ValidationError(errors)
    return tuple(headers)


class DiagnoseForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.TextInput(
            attrs={"placeholder": "https://api.example.com/users/42", "inputmode": "url"}
        ),
    )
    failed_method = forms.ChoiceField(
        label="Method that failed",
        required=False,
        choices=[("", "(none: just diagnose)"), *METHOD_CHOICES],
    )
    origin = _origin_field(
        "Origin",
        "The page's origin when a browser call fails (CORS), "
        "like https://app.example.com. Preflights are sent from it.",
    )
    headers = _headers_field(
        "Extra headers",
        "One 'Name: value' per line, e.g. Authorization: Bearer …. Values are "
        "secrets: never shown again, redacted in the results, not sent with TRACE or "
        "preflights. Type them again to re-run.",
        rows=3,
    )
    policy = forms.ChoiceField(
        label="Probe policy",
        choices=POLICY_CHOICES,
        initial=ProbePolicy.SAFE.value,
        widget=forms.RadioSelect,
    )
    send_method = forms.BooleanField(
        label="Also send that unsafe method once",
        required=False,
        help_text="Only with the safe or strict policy, for the unsafe method they infer: "
        + send_method_risk("that one request"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("send_method") and data.get("failed_method") not in UNSAFE_METHODS:
            self.add_error(
                "send_method",
                "Pick the unsafe method that failed (POST, PUT, PATCH or DELETE) to send it "
                "once; the others are sent by every policy.",
            )
        return data

    def clean_url(self) -> str:
        try:
            return validate_target_url(self.cleaned_data["url"])
        except InvalidTarget as error:
            raise ValidationError(str(error)) from None

    def clean_origin(self) -> str:
        return clean_origin(self.cleaned_data["origin"])

    def clean_headers(self) -> tuple[tuple[str, str], ...]:
        return _headers(self.cleaned_data["headers"])

    def target(self) -> Target:
        data = self.cleaned_data
        policy = ProbePolicy(data["policy"])
        # The full policy sends it anyway.
        send = data["send_method"] and policy is not ProbePolicy.FULL
        return Target(
            url=data["url"],
            headers=data["headers"],
            origin=data["origin"] or None,
            policy=policy,
            send_method=data["failed_method"] if send else None,
        )


class RegisterForm(forms.Form):
    """What "Register this endpoint" carries over from a diagnosis (never the headers)."""

    url = forms.CharField(max_length=2000, widget=forms.HiddenInput)
    policy = forms.ChoiceField(choices=POLICY_CHOICES, widget=forms.HiddenInput)
    origin = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)

    def clean_origin(self) -> str:
        return clean_origin(self.cleaned_data["origin"])


class ServiceForm(ServiceScheduleForm):
    name = forms.CharField(max_length=100, help_text="What the team calls the API, like billing.")

    def __init__(
        self, *args: Any, workspace: Workspace, instance: Service | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.workspace, self.instance = workspace, instance

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        with field_errors("name"):
            service_name_validate(workspace=self.workspace, name=name, service=self.instance)
        return name


class _ServiceObjectForm(forms.Form, Generic[M]):
    """A form for a new object of a service (instance None) or to edit one."""

    def __init__(
        self, *args: Any, service: Service, instance: M | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.service, self.instance = service, instance


class EnvironmentForm(EnvironmentScheduleForm, _ServiceObjectForm[Environment]):
    name = forms.CharField(max_length=50, help_text="Like staging or prod.")
    base_url = forms.CharField(
        label="Base URL",
        max_length=500,
        help_text="Scheme, host, port and any path prefix the endpoints share, "
        "like https://api.example.com/v1.",
    )
    is_production = forms.BooleanField(
        label="Production",
        required=False,
        help_text="Production environments default to safe: unsafe verbs are not sent, "
        "they are inferred from Allow.",
    )
    probe_policy = _policy_field(unset="Default: safe")
    cors_origin = _origin_field(
        "CORS origin", "The origin your browser app calls from; preflights are sent from it."
    )
    headers = _headers_field(
        "Secret headers",
        "One 'Name: value' per line (Authorization, API keys), sent with every "
        "probe except TRACE and preflights. Stored encrypted and never shown again; if the "
        "form comes back with an error, type them again.",
        rows=2,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            # Headers are managed one by one on the edit page; the policy is concrete there.
            del self.fields["headers"]
            policy = self.fields["probe_policy"]
            assert isinstance(policy, forms.ChoiceField)
            policy.required = True
            policy.choices = POLICY_CHOICES
            policy.help_text = "Ticking Production without touching this makes the policy safe."

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        with field_errors("name"):
            environment_name_validate(service=self.service, name=name, environment=self.instance)
        return name

    def clean_cors_origin(self) -> str:
        return clean_origin(self.cleaned_data["cors_origin"])

    def clean_headers(self) -> tuple[tuple[str, str], ...]:
        return _headers(self.cleaned_data["headers"])


class SecretHeaderForm(forms.Form):
    name = forms.CharField(max_length=100)
    value = forms.CharField(
        max_length=4000,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "name" in data and "value" in data:
            try:
                data["name"], data["value"] = validate_header(data["name"], data["value"])
            except InvalidTarget as error:
                raise ValidationError(str(error)) from None
        return data


SAMPLE_PREFIX = "sample_"


class EndpointForm(_ServiceObjectForm[Endpoint]):
    """Path template, a sample value per {placeholder}, policy override, declared methods.

    The sample fields follow the placeholders of the path as typed (or as stored when
    editing: a stored endpoint's path is its identity and its history's)."""

    path = forms.CharField(
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "/users/{id}"}),
        help_text="Starts with /. Name variable parts in braces: /users/{id}.",
    )
    policy_override = _policy_field(unset="Each environment's own policy")
    declared_methods = forms.MultipleChoiceField(
        label="Declared methods",
        required=False,
        choices=METHOD_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the team believes this endpoint accepts; shown beside what probes see.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance is not None:
            del self.fields["path"]
            path = instance.path
        else:
            path = self.data.get("path", "") if self.is_bound else ""
        self.placeholders = _placeholders(path)
        for name in self.placeholders:
            self.fields[SAMPLE_PREFIX + name] = forms.CharField(
                label=f"Sample for {{{name}}}",
                required=False,
                max_length=200,
                help_text="A value that names no real object; empty: "
                + ("the nil UUID." if "uuid" in name.lower() else "0."),
                initial=instance.samples.get(name, "") if instance is not None else "",
            )

    def sample_fields(self) -> list[forms.BoundField]:
        return [self[SAMPLE_PREFIX + name] for name in self.placeholders]

    def clean_path(self) -> str:
        path = self.cleaned_data["path"].strip()
        with field_errors("path"):
            endpoint_path_validate(service=self.service, path=path)
        return path

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["samples"] = {
            name: data[SAMPLE_PREFIX + name]
            for name in self.placeholders
            if data.get(SAMPLE_PREFIX + name)
        }
        path = self.instance.path if self.instance is not None else data.get("path")
        if path is not None:
            try:
                validate_endpoint(
                    path=path,
                    samples=data["samples"],
                    declared_methods=data.get("declared_methods", []),
                )
            except ValidationError as error:
                add_service_errors(self, error)
        return data


def _placeholders(path: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name in placeholders(path) if name))


class BulkEndpointsForm(forms.Form):
    text = forms.CharField(
        label="Paths",
        max_length=100_000,
        widget=forms.Textarea(
            attrs={"rows": 12, "spellcheck": "false", "placeholder": "/items\nGET,POST /orders"}
        ),
        help_text="One endpoint per line: a path, optionally after the methods you expect "
        "(GET,POST /items). Lines naming the same path are merged; # starts a comment.",
    )
