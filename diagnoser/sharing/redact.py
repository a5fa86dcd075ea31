"""Removing the environments' secret header values from a document before it leaves.

Curl lines already redact secret headers, but a server can echo a credential anywhere: a
debug body, a WWW-Authenticate challenge, an error message. So every string of the
document is scrubbed of every secret value the environments hold.
"""

import re
from collections.abc import Iterable
from typing import Any

from diagnoser.inventory.models import Environment, SecretHeader

REDACTED = "<redacted>"
# Shorter values would blank out unrelated text (a value of "1" is in every status code),
# and a credential that short protects nothing anyway.
MIN_SECRET_LENGTH = 4
# "Bearer abc", "Basic dXNlcjpw", "Token abc": servers often echo only the credential.
_SCHEME_CREDENTIAL = re.compile(r"^[A-Za-z][\w.-]*\s+(\S+)$")


def secret_values(*, environments: Iterable[Environment]) -> list[str]:
    """The decrypted values to scrub, longest first so no secret is left half-replaced."""
    values: set[str] = set()
    headers = SecretHeader.objects.filter(environment__in=list(environments))
    for value in headers.values_list("value", flat=True):
        values.add(value)
        if match := _SCHEME_CREDENTIAL.match(value.strip()):
            values.add(match.group(1))
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def redacted(data: Any, secrets: list[str]) -> Any:
    """A copy of a JSON-like value with every occurrence of each secret replaced."""
    if not secrets:
        return data
    if isinstance(data, str):
        for secret in secrets:
            data = data.replace(secret, REDACTED)
        return data
    if isinstance(data, dict):
        return {redacted(k, secrets): redacted(v, secrets) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redacted(item, secrets) for item in data]
    return data
