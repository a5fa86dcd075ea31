"""Encryption of probe secrets at rest, with keys kept apart from SECRET_KEY.

``DIAGNOSER_FIELD_KEYS`` holds comma-separated Fernet keys: the first encrypts, every one
decrypts, so a key is rotated by prepending a new one and re-saving (`rotate_field_keys`).
A local run without keys gets one generated into ``DIAGNOSER_FIELD_KEY_FILE`` (settings
refuse to start a configured deployment without keys).
"""

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import TextField, Value
from django.db.models.functions import Cast


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


@dataclass(frozen=True)
class Reencrypted:
    rotated: int
    unreadable: list[str]  # "model id" of each value no configured key decrypts


def reencrypt_all() -> Reencrypted:
    """Every encrypted column of every model, re-encrypted under the first key.

    The tokens are read and written as stored text (a Cast on the way out, a plain Value
    on the way in) so the field neither decrypts nor encrypts them again. A row changed
    since it was read keeps its new value: that was already encrypted with the first key.
    """
    from diagnoser.inventory.fields import EncryptedTextField  # it imports this module

    rotated, unreadable = 0, []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, EncryptedTextField):
                continue
            stored = model._default_manager.annotate(token=Cast(field.name, TextField()))
            for pk, token in stored.exclude(token=None).values_list("pk", "token").iterator():
                try:
                    fresh = rotate(token)
                except SecretUnreadable:
                    unreadable.append(f"{model._meta.label} {pk}")
                    continue
                rotated += stored.filter(pk=pk, token=token).update(
                    **{field.name: Value(fresh, output_field=TextField())}
                )
    return Reencrypted(rotated, unreadable)


def masked(value: str) -> str:
    """How a secret is shown back: never in full, the tail only when it is long."""
    if len(value) >= 20:
        return f"••••{value[-4:]}"
    return "••••"
