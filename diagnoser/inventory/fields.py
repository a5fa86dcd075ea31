"""A text field stored Fernet-encrypted (see ``crypto``)."""

from typing import Any

from django.db import models

from diagnoser.inventory import crypto


class EncryptedTextField(models.TextField):
    """Encrypted on the way to the database, decrypted on the way back.

    Fernet tokens are random, so the column cannot be filtered on; secrets never need it.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return crypto.encrypt(str(value))
