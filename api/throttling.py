"""The API's rate limit: requests per client address and period, in the shared cache.

The address is the client's as the trusted proxies saw it (the function named by
`settings.CLIENT_ADDRESS_FUNCTION`, which the login lockout and the suggestions' limits
use too), so that every visitor behind nginx is not counted as one. The limit is
`settings.API_RATE_LIMIT` ("120/min"; "0" turns it off), read at each request so that
a test or an operator can change it.
"""

from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework.throttling import SimpleRateThrottle


class AddressRateThrottle(SimpleRateThrottle):
    scope = "address"
    cache_format = "ptce:api:throttle:%(scope)s:%(ident)s"

    def get_rate(self):
        rate = str(getattr(settings, "API_RATE_LIMIT", "") or "").strip()
        return None if rate in ("", "0") else rate

    def get_ident(self, request):
        return import_string(settings.CLIENT_ADDRESS_FUNCTION)(request) or "unknown"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
