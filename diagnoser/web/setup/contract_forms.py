"""The OpenAPI import form: a file or a URL, and whether `servers` become environments.
It only parses; validation of the document and the import are the services'."""

from django import forms
from django.core.exceptions import ValidationError

from diagnoser.contracts.parse import MAX_DOCUMENT_BYTES


class OpenAPIImportForm(forms.Form):
    document = forms.FileField(
        required=False,
        label="Document file",
        help_text="OpenAPI 3.0, 3.1, 3.2 or Swagger 2.0, JSON or YAML, one file ($refs "
        "inside it are followed, references to other files are not).",
    )
    url = forms.URLField(
        required=False,
        label="or its URL",
        assume_scheme="https",
        help_text="Fetched once, now, like a probe: no redirects, private addresses only "
        "where probing is allowed.",
    )
    map_servers = forms.BooleanField(
        required=False,
        label="Create an environment for each server URL the document lists",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        document, url = data.get("document"), data.get("url")
        if bool(document) == bool(url):
            raise ValidationError("Choose a file or give a URL (one of them).")
        if document is not None and document.size > MAX_DOCUMENT_BYTES:
            raise ValidationError(
                f"The file is over {MAX_DOCUMENT_BYTES // 1024 // 1024} MB: import the part "
                "of the API you want monitored."
            )
        return data
