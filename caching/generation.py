"""The content generation: one number in the shared cache that every edit bumps.

Every cached page and every `versioned()` number is stored under the generation in
force when it was computed, so bumping it makes all of them unreachable at once (old
entries expire by themselves): no stale page after an edit, and no need to know which
pages an edit touches. The generation is the time (in ms) of the latest edit, so that
a value never repeats after the cache is emptied, and `Last-Modified` derives from it.

It must be shared by every worker process: with a local-memory cache each process has
its own, so production enables the page cache only with Redis (settings/prod.py).
"""

import time

from django.conf import settings
from django.core.cache import cache

from .request_version import forget_version
from .stamp import bump_stamp, read_since_bump

GENERATION_KEY = "ptce:public:generation"


def cache_seconds() -> int:
    """How long a public page stays cached; 0 when the page cache is off (and in DEBUG,
    where templates change while developing)."""
    if settings.DEBUG:
        return 0
    return int(getattr(settings, "PUBLIC_CACHE_SECONDS", 0))


def _now_ms() -> int:
    return int(time.time() * 1000)


def current_generation() -> int:
    """The content generation: the time (in ms) of the latest edit, or of the first read
    after the cache was emptied."""
    read_since_bump.set(True)
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _now_ms(), timeout=None)
        generation = cache.get(GENERATION_KEY) or _now_ms()
    return generation


def bump_generation() -> int:
    """Make every cached public response and every stored feed unreachable. Call it
    after any bulk write that sends no signal (`QuerySet.update()`, `bulk_create()`,
    raw SQL): it replaces the data stamp (stamp.py, in the database, inside the
    current transaction) and bumps the cache's generation."""
    bump_stamp()
    return bump_cache_generation()


def bump_cache_generation() -> int:
    """Bump the cache's generation only: every cached public response becomes
    unreachable. The data stamp is not replaced: invalidation.py registers this after
    the commit, the stamp having moved with the transaction."""
    read_since_bump.set(False)
    forget_version()
    new = _now_ms()
    try:
        current = cache.incr(GENERATION_KEY)
    except ValueError:  # the key is missing
        cache.set(GENERATION_KEY, new, timeout=None)
        return new
    if current < new:
        # Keep it a timestamp: Last-Modified is derived from it.
        cache.set(GENERATION_KEY, new, timeout=None)
        return new
    return current
