"""Writes of the api app: personal tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import ApiToken

TOKEN_PREFIX = "ptce"  # noqa: S105 - the tokens' public prefix, not a secret
# `last_used_at` is written at most this often: not a write per request.
LAST_USED_PRECISION = timedelta(minutes=5)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(*, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the token itself, to show once."""
    token = ApiToken(user=user, name=name, expires_at=expires_at)
    return token, issue_token(token=token)


@transaction.atomic
def issue_token(*, token: ApiToken) -> str:
    """Give the unsaved `token` (its user, name and expiry set) its secret and store it;
    return the token itself, which is stored nowhere."""
    token.prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}_{token.prefix}_{secrets.token_urlsafe(32)}"
    token.digest = token_digest(raw)
    token.full_clean()
    token.save()
    return raw


@transaction.atomic
def revoke_token(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def record_use(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
