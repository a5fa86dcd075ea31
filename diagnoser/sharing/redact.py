"""Removing the environments' secret header values from a document before it leaves.

Curl lines already redact secret headers, but a server can echo a credential anywhere: a
debug body, a WWW-Authenticate challenge, an error message. So every string of the
document is scrubbed of every secret value the environments hold, by the probe engine's
scrubber (one placeholder everywhere).
"""

from collections.abc import Iterable
from typing import Any

from diagnoser.inventory.models import Environment, SecretHeader
from diagnoser.probing.scrub import REDACTED, scrub_value, secret_forms

__all__ = ["REDACTED", "redacted", "secret_values"]


def secret_values(*, environments: Iterable[Environment]) -> list[str]:
    """The decrypted values to scrub, longest first so no secret is left half-replaced."""
    headers = SecretHeader.objects.filter(environment__in=list(environments))
    return list(secret_forms(headers.values_list("value", flat=True)))


def redacted(data: Any, secrets: list[str]) -> Any:
    """A copy of a JSON-like value with every occurrence of each secret replaced."""
    return scrub_value(data, secrets)
