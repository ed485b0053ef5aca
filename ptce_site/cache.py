"""Public response caching, invalidated at once by every edit of the directory.

Design:

- Anonymous GET responses of the public site (the `poles` URL namespace: home,
  directory, pole pages, feeds, territories, sectors, observatory, embed) are stored
  in the configured cache (`CACHES["default"]`: local memory, or Redis with
  `REDIS_URL`), keyed by the full URL (scheme, host, path and the *sorted* query
  string), the language and the `X-Requested-With` header (the directory's partial
  results), and by the site-wide content **generation**.
- The generation is one number in the cache. Every edit bumps it, so every cached page
  becomes unreachable at once (old entries expire by themselves): no stale page after
  a staff save, and no need to know which pages an edit touches.
- Edits are caught three ways: `post_save`/`post_delete`/`m2m_changed` receivers on
  the directory's models (saves from the admin, the shell, the seed loader);
  any successful unsafe request (POST…) by a signed-in user, which covers admin
  actions and imports that write with `QuerySet.update()` or `bulk_create()` (no
  signal fires for those); and explicit `bump_generation()` calls in bulk commands
  (`generate_synthetic`). Signals are the exception to the house rule here on purpose:
  cache invalidation is cross-cutting, and a missed call site would show stale pages.
- Never cached: requests of signed-in users, responses that set a cookie or used the
  CSRF token, streaming responses (CSV exports), errors and redirects, responses marked
  private/no-store, and everything in DEBUG (templates change while developing).
- Conditional requests: every public response carries an `ETag` derived from its
  cache key and a `Last-Modified` equal to the generation's time; a matching
  `If-None-Match` (or `If-Modified-Since`) gets a `304` without running the view,
  so a map revalidating `/poles.geojson` or a script polling `/poles.csv` costs nothing.

The generation must be shared by every worker process: with local memory each process
has its own, so production enables the page cache only with Redis (see settings/prod.py).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language

GENERATION_KEY = "ptce:public:generation"
# The apps whose models make up the public pages.
DIRECTORY_APPS = ("poles", "members", "territories")
# Tables derived from the others, rewritten with the records they derive from (whose
# saves invalidate already): their receivers would only slow their bulk rewrites down.
DERIVED_MODELS = ("poles.polecoverage", "poles.searchword")
CACHEABLE_NAMESPACES = ("poles", "opendata", "observatory")
# Vary headers a cached response may carry: the key already covers them.
KEYED_VARY = {"accept-language", "cookie", "x-requested-with", "accept-encoding"}


def cache_seconds() -> int:
    if settings.DEBUG:
        return 0
    return int(getattr(settings, "PUBLIC_CACHE_SECONDS", 0))


def _now_ms() -> int:
    return int(time.time() * 1000)


# Per process: has the generation been read (by a page) since this process last bumped it?
_state = {"read_since_bump": True}


def current_generation() -> int:
    """The content generation: the time (in ms) of the latest edit, or of the first read
    after the cache was emptied, so that a value never repeats after a restart."""
    _state["read_since_bump"] = True
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _now_ms(), timeout=None)
        generation = cache.get(GENERATION_KEY) or _now_ms()
    return generation


def bump_generation() -> int:
    """Make every cached public response unreachable. Call it after any bulk write."""
    _state["read_since_bump"] = False
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


def _on_directory_change(sender, using=None, **kwargs):
    """Bump now, so that the editor's next request already misses, and again once the
    transaction commits, so that a page rendered meanwhile by a concurrent request
    (from the data before the commit) cannot stay cached. Once per transaction: a
    bulk delete sends a signal per row."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        bump_generation()
        return
    block = connection.atomic_blocks[0]
    if not getattr(block, "_ptce_cache_bumped", False):
        block._ptce_cache_bumped = True
        transaction.on_commit(bump_generation, using=using)
        bump_generation()
    elif _state["read_since_bump"]:
        # A page was served in this process since the last bump (a test's client, or
        # the same request reading back): bump again so that it is not served stale.
        bump_generation()


def connect_signals():
    """Connect the invalidation receivers to each directory model (called in ready())."""
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for app_label in DIRECTORY_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.label_lower in DERIVED_MODELS:
                continue
            uid = f"ptce-public-cache-{model._meta.label_lower}"
            post_save.connect(_on_directory_change, sender=model, dispatch_uid=uid)
            post_delete.connect(_on_directory_change, sender=model, dispatch_uid=uid)
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    _on_directory_change,
                    sender=field.remote_field.through,
                    dispatch_uid=f"{uid}-{field.name}",
                )


def _normalised_url(request) -> str:
    query = sorted(request.GET.lists())
    pairs = "&".join(f"{key}={value}" for key, values in query for value in values)
    return f"{request.scheme}://{request.get_host()}{request.path}?{pairs}"


def _cache_key(request, generation: int) -> tuple[str, str]:
    """(cache key, ETag) for this request at this generation."""
    parts = "\n".join(
        [
            _normalised_url(request),
            get_language() or "",
            request.headers.get("X-Requested-With", ""),
        ]
    )
    digest = hashlib.sha256(parts.encode()).hexdigest()[:32]
    return f"ptce:public:{generation}:{digest}", f'W/"{generation:x}-{digest[:16]}"'


def _is_signed_in(request) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False  # no session, no user: do not even load the session
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)


def _not_modified(request, etag: str, last_modified: int) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and last_modified // 1000 <= since


def _storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.accessed and session.modified:
        return False  # the session middleware is about to set a cookie
    messages = getattr(request, "_messages", None)
    if messages is not None and (messages.used or getattr(messages, "_queued_messages", None)):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return vary <= KEYED_VARY


class PublicCacheMiddleware:
    """Serve anonymous public pages from the cache; see the module docstring.

    Place it after AuthenticationMiddleware (it reads `request.user`) and
    LocaleMiddleware (the language is part of the key).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        entry = getattr(request, "_public_cache", None)
        if entry is not None and not response.has_header("X-Cache"):
            key, etag, generation, seconds = entry
            if response.status_code == 200:
                _add_validators(response, etag, generation)
            if _storable(request, response):
                response["X-Cache"] = "miss"
                cache.set(key, response, seconds)
        elif (
            request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
            and response.status_code < 400
            and _is_signed_in(request)
        ):
            # Admin actions and imports may write with QuerySet.update() or
            # bulk_create(), which send no signal: any staff write invalidates.
            bump_generation()
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        seconds = cache_seconds()
        if (
            not seconds
            or request.method != "GET"
            or request.resolver_match is None
            or request.resolver_match.namespace not in CACHEABLE_NAMESPACES
            or _is_signed_in(request)
        ):
            return None
        generation = current_generation()
        key, etag = _cache_key(request, generation)
        if _not_modified(request, etag, generation):
            response = HttpResponseNotModified()
            _add_validators(response, etag, generation)
            response["X-Cache"] = "revalidated"
            return response
        cached = cache.get(key)
        if cached is not None:
            cached["X-Cache"] = "hit"
            return cached
        request._public_cache = (key, etag, generation, seconds)
        return None


def _add_validators(response, etag, generation):
    response.headers.setdefault("ETag", etag)
    response.headers.setdefault("Last-Modified", http_date(generation / 1000))


# --- Numbers computed from the data, cached under an exact version of it ---------------


def data_version() -> str | None:
    """A version of the directory's data, or None when numbers must not be cached.

    - With the public page cache on (settings/prod.py turns it on only with a cache
      shared by every worker, Redis): the site's content generation
      (above), bumped by every edit of the directory, and only by those.
    - Otherwise, on PostgreSQL: the current MVCC snapshot (`pg_current_snapshot()`:
      the oldest running transaction, the next transaction id, the transactions in
      progress). Two reads under the same snapshot see exactly the same committed
      data, and any write committed since, by any process and by any means (admin,
      shell, bulk update, raw SQL), gives a different one: numbers cached under it
      are never stale, even in a cache local to each worker. It moves with every
      commit of the database server (sessions, login records, other databases), so
      it is the fallback. Not while this connection's own transaction has written
      (its uncommitted writes do not change the snapshot).
    - Otherwise no cache.
    """
    if cache_seconds():
        return f"generation:{current_generation()}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()")
            snapshot, own_transaction = cursor.fetchone()
        return None if own_transaction is not None else f"pg:{snapshot}"
    return None


# How long numbers cached under a data version stay: the version is exact, so this only
# bounds memory.
VERSIONED_SECONDS = 600


def versioned(name: str, compute, *, per_language: bool = False):
    """`compute()`, cached under the current `data_version()`: never stale, since any
    write gives another version. For what every visitor of a page would otherwise
    recompute from the whole directory (the home page's key figures, the filter form's
    reference lists). Without a version (SQLite without the page cache), computed.

    The version is read before the data, so what is stored under it is at least as
    recent as the version.
    """
    version = data_version()
    if version is None:
        return compute()
    parts = ["ptce:versioned", connection.settings_dict["NAME"] or "", version, name]
    if per_language:
        parts.append(get_language() or "")
    key = ":".join(str(part) for part in parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, VERSIONED_SECONDS)
    return value
