"""Secret header values scrubbed from what a server sent back: the one scrubber.

A server can echo a credential anywhere: a debug body, a WWW-Authenticate challenge, a
reason phrase, a header. The engine scrubs every observation before it leaves, so no
report, stored row, page, export, webhook or log line downstream can hold one; pages and
shared documents scrub again with the same functions (a secret may have been added or
changed after a run was stored), and curl lines show the same placeholder.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from .model import Observation

REDACTED = "[redacted]"
# Shorter values would blank out unrelated text (a "1" is in every status code), and a
# credential that short protects nothing anyway.
MIN_SECRET_LENGTH = 4
# "Bearer abc", "Basic dXNlcjpw", "Token abc": servers often echo only the credential.
_SCHEME_CREDENTIAL = re.compile(r"^[A-Za-z][\w.-]*\s+(\S+)$")


def secret_forms(values: Iterable[str]) -> tuple[str, ...]:
    """Each value and, for "Scheme credential" values, the credential alone; longest
    first so no secret is left half-replaced."""
    forms: set[str] = set()
    for value in values:
        forms.add(value.strip())
        if match := _SCHEME_CREDENTIAL.match(value.strip()):
            forms.add(match.group(1))
    return tuple(sorted((f for f in forms if len(f) >= MIN_SECRET_LENGTH), key=len, reverse=True))


def scrub_text(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    # An excerpt cut at its cap can end in the first characters of a secret.
    for secret in secrets:
        for size in range(len(secret) - 1, MIN_SECRET_LENGTH - 1, -1):
            if text.endswith(secret[:size]):
                return text[:-size] + REDACTED
    return text


def scrub_value(value: Any, secrets: tuple[str, ...] | list[str]) -> Any:
    """A copy of a JSON-like value (or a dataclass of such values) with every secret
    replaced in every string, dictionary keys included; containers keep their type."""
    if not secrets:
        return value
    secrets = tuple(secrets)
    if isinstance(value, enum.Enum):  # a StrEnum is a str, but its values hold no secret
        return value
    if isinstance(value, str):
        return scrub_text(value, secrets)
    if isinstance(value, dict):
        return {scrub_value(k, secrets): scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_value(item, secrets) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: scrub_value(getattr(value, f.name), secrets) for f in dataclasses.fields(value)
        }
        return replace(value, **fields)
    return value


def scrub_observation(observation: Observation, secrets: tuple[str, ...]) -> Observation:
    if not secrets:
        return observation
    return replace(
        observation,
        reason=scrub_text(observation.reason, secrets),
        headers=tuple(
            (scrub_text(name, secrets), scrub_text(value, secrets))
            for name, value in observation.headers
        ),
        body_excerpt=scrub_text(observation.body_excerpt, secrets),
        error=None if observation.error is None else scrub_text(observation.error, secrets),
    )
