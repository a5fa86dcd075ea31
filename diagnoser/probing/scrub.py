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
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from .echoes import echoes_of
from .model import Observation
from .secret_forms import MIN_ENCODED_LENGTH, MIN_SECRET_LENGTH, forms_of

REDACTED = "[redacted]"

__all__ = [
    "MIN_ENCODED_LENGTH",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "scrub_observation",
    "scrub_text",
    "scrub_value",
    "secret_forms",
]


def secret_forms(values: Iterable[str]) -> tuple[str, ...]:
    """What to look for, longest first: each value, the credential after its scheme,
    a Basic credential decoded and its password, and the base64 spellings of each of
    those (secret_forms.py). Their escaped and case-changed spellings are found by
    decoding the text (echoes.py), not listed."""
    forms: set[str] = set()
    for value in values:
        forms |= forms_of(value)
    return tuple(sorted(forms, key=_longest_first))


def _longest_first(form: str) -> tuple[int, str]:
    return -len(form), form


def scrub_text(text: str, secrets: tuple[str, ...]) -> str:
    """The text with every form of every secret, in any spelling, replaced."""
    return echoes_of(tuple(secrets)).replace(text, REDACTED)


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
