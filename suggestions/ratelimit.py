"""Counters in the site's cache (Redis in production) bounding how many suggestions
one connection or one e-mail address may send: fixed one-hour windows.

The identities are hashed before they name a cache key: the cache never holds an
address in clear, and a counter expires with its window.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

WINDOW_SECONDS = 3600


def client_address(request) -> str:
    """The client's IP address behind the reverse proxy, read by the site's one function
    (settings.CLIENT_ADDRESS_FUNCTION, which the login lockout uses too). Named by a
    setting: the function belongs to the project's top layer, above this app."""
    return import_string(settings.CLIENT_ADDRESS_FUNCTION)(request) or "unknown"


def _key(scope: str, identity: str, window: int) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{identity}".encode()).hexdigest()[:32]
    return f"ptce:suggestions:rate:{scope}:{digest}:{window}"


def count(scope: str, identity: str) -> int:
    """Add one to this identity's counter of the current window; return the total."""
    window = int(time.time() // WINDOW_SECONDS)
    key = _key(scope, identity.strip().lower(), window)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, WINDOW_SECONDS)
        return 1


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def address_over_limit(request) -> bool:
    """Every POST from a connection counts, valid or not."""
    return count("address", client_address(request)) > limit(
        "SUGGESTIONS_POSTS_PER_ADDRESS_PER_HOUR", 20
    )


def email_over_limit(email: str) -> bool:
    """Only suggestions about to be stored count."""
    return count("email", email) > limit("SUGGESTIONS_PER_EMAIL_PER_HOUR", 5)
