"""API tokens: made for a member of a workspace, shown once, stored hashed, revocable.

A token acts as its user, in its workspace only; it stops working when revoked or when
its user leaves the workspace.
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from diagnoser.inventory.models import ApiToken, Membership, Workspace

KEY_PREFIX = "dgn_"
# last_used_at is written at most this often, so a busy token costs no write per call.
USE_RECORDED_EVERY = timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, user: AbstractBaseUser, workspace: Workspace, name: str
) -> tuple[ApiToken, str]:
    """The new token and its key, which is not stored and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": "Name the token (1 to 100 characters), e.g. 'CI'."})
    if not Membership.objects.filter(user_id=user.pk, workspace=workspace).exists():
        raise ValidationError({"workspace": "You are not a member of that workspace."})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user_id=user.pk,
        workspace=workspace,
        name=name,
        key_hash=_hash(key),
        prefix=key[: len(KEY_PREFIX) + 6],
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token with this key whose user is still a member of its workspace."""
    if not key.startswith(KEY_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "workspace")
        .filter(
            key_hash=_hash(key),
            revoked_at__isnull=True,
            user__is_active=True,
            workspace__memberships__user=F("user"),
        )
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > USE_RECORDED_EVERY:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
        token.last_used_at = now
    return token
