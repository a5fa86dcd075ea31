"""Encryption of probe secrets at rest, with keys kept apart from SECRET_KEY.

``DIAGNOSER_FIELD_KEYS`` holds comma-separated Fernet keys: the first encrypts, every one
decrypts, so a key is rotated by prepending a new one and re-saving (`rotate_field_keys`).
A local run without keys gets one generated into ``DIAGNOSER_FIELD_KEY_FILE`` (settings
refuse to start a configured deployment without keys).
"""

import functools
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret was encrypted with a key that is no longer configured."""


def _local_key(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not each write their own key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
    return path.read_bytes().strip()


@functools.cache
def _fernet(keys: tuple[str, ...], key_file: str) -> MultiFernet:
    raw = [k.encode() for k in keys] or [_local_key(Path(key_file))]
    try:
        return MultiFernet([Fernet(k) for k in raw])
    except ValueError as error:
        raise ImproperlyConfigured(
            f"DIAGNOSER_FIELD_KEYS holds an invalid Fernet key: {error}"
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.DIAGNOSER_FIELD_KEYS), str(settings.DIAGNOSER_FIELD_KEY_FILE))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret does not decrypt with DIAGNOSER_FIELD_KEYS: was a key removed?"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt with the first key (MultiFernet.rotate)."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise SecretUnreadable("does not decrypt with any key in DIAGNOSER_FIELD_KEYS") from None


def masked(value: str) -> str:
    """How a secret is shown back: never in full, the tail only when it is long."""
    if len(value) >= 20:
        return f"••••{value[-4:]}"
    return "••••"
