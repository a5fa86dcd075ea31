"""Secret header values scrubbed from what a server sent back.

A server can echo a credential anywhere: a debug body, a WWW-Authenticate challenge, a
reason phrase, a header. The engine scrubs every observation before it leaves, so no
report, stored row, page, export, webhook or log line downstream can hold one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

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
