"""The JSON API's authentication by personal token (`Authorization: Bearer ptce_…`).

Django REST framework calls this class for each request to the API; a request without
the header stays anonymous (reads are public), one with an unknown, expired or revoked
token is refused with 401, and a valid token's request acts as its user, with that
user's editing scope (editors.scopes).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from editors import tokens


class APITokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"bearer", b"token"):
            return None
        if len(header) != 2:  # the keyword and the token
            raise exceptions.AuthenticationFailed(
                _("The Authorization header must read “Bearer <token>”.")
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from error
        record = tokens.active_token(token)
        if record is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return record.user, record

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
