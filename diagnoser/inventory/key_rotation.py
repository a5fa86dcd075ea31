"""Re-encrypting every stored secret under the first key, after a key is prepended.

Apart from ``crypto`` because it walks the models for encrypted fields, and the field
itself imports ``crypto``: keeping it there made the two modules import each other.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from diagnoser.inventory.crypto import SecretUnreadable, rotate
from diagnoser.inventory.fields import EncryptedTextField


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
