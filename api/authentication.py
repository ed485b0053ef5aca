"""Personal tokens: `Authorization: Bearer ptce_<prefix>_<secret>`.

A request without the header stays anonymous (public reads need nothing). A header
that names no active token (unknown, revoked, expired, or whose owner is no longer
active staff) is refused with a 401 problem rather than read as anonymous: a client
that meant to authenticate must know it did not.
"""

import hmac
import re

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import ApiToken
from .services import TOKEN_PREFIX, record_use, token_digest

TOKEN_PATTERN = re.compile(rf"^{TOKEN_PREFIX}_([0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}$")


class TokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        invalid = exceptions.AuthenticationFailed(
            _("This token is not valid: unknown, revoked or expired.")
        )
        if len(parts) != 2:
            raise invalid
        try:
            raw = parts[1].decode("ascii")
        except UnicodeError:
            raise invalid from None
        match = TOKEN_PATTERN.match(raw)
        if match is None:
            raise invalid
        token = ApiToken.objects.select_related("user").filter(prefix=match.group(1)).first()
        if (
            token is None
            or not hmac.compare_digest(token.digest, token_digest(raw))
            or not token.is_active
            or not (token.user.is_active and token.user.is_staff)
        ):
            raise invalid
        record_use(token=token)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
