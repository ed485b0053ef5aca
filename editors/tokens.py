"""Personal API tokens: issue, authenticate, revoke (the model is `APIToken`).

A token reads `ptce_<prefix><secret>`: the prefix (8 characters, stored in clear) lets
staff and logs name a token without revealing it; the whole token's SHA-256 digest is
what the database keeps. The API's authentication class (`editors.api_authentication`)
and the admin (`editors.admin.tokens`) go through these functions only.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from editors.models import APIToken

TOKEN_PREFIX = "ptce_"  # noqa: S105 - the public marker of every token, not a secret
PREFIX_LENGTH = 8
LIFETIME_CHOICES_DAYS = (30, 90, 180, 365)
DEFAULT_LIFETIME_DAYS = 90
# `last_used_at` is written at most this often, so that a busy client does not turn
# every read of the API into a write.
LAST_USED_PRECISION = timedelta(minutes=5)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_token(*, user, name: str, lifetime_days: int = DEFAULT_LIFETIME_DAYS):
    """Create a token for `user`; returns `(APIToken, token)`, the token in clear, once."""
    if lifetime_days not in LIFETIME_CHOICES_DAYS:
        raise ValueError(f"lifetime_days must be one of {LIFETIME_CHOICES_DAYS}")
    secret = secrets.token_urlsafe(32)
    token = f"{TOKEN_PREFIX}{secret}"
    record = APIToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        key_digest=digest(token),
        expires_at=timezone.now() + timedelta(days=lifetime_days),
    )
    return record, token


def active_token(token: str) -> APIToken | None:
    """The token's record if it may act now: known, not revoked, not expired, its user
    active staff. None otherwise (the caller says 401 without telling which)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = timezone.now()
    record = (
        APIToken.objects.select_related("user")
        .filter(
            key_digest=digest(token),
            revoked_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
            user__is_staff=True,
        )
        .first()
    )
    if record is not None and (
        record.last_used_at is None or now - record.last_used_at > LAST_USED_PRECISION
    ):
        APIToken.objects.filter(pk=record.pk).update(last_used_at=now)
        record.last_used_at = now
    return record


def revoke(tokens) -> int:
    """Revoke the given tokens (a queryset); returns how many were still active."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def status(record: APIToken) -> str:
    if record.revoked_at is not None:
        return "revoked"
    if record.expires_at <= timezone.now():
        return "expired"
    return "active"


def revision_comment(record: APIToken) -> str:
    """What the history says of a change made through the API with this token."""
    return f"API, token {record.prefix}… ({record.name})"
