"""The page cache: anonymous public responses stored whole, served without the view.

- Which responses: anonymous `GET`/`HEAD` requests of the URL namespaces named in
  `settings.PAGE_CACHE_NAMESPACES`, answered `200` by the view, not streamed, setting
  no cookie, not using the CSRF token or the session, not marked private/no-store,
  and varying only on what the key covers. Never for signed-in users, never in DEBUG,
  and not at all when `PUBLIC_CACHE_SECONDS` is 0.
- The key (`keys.page_key`): the canonical URL (scheme, host, path, the parsed query
  with every name and value escaped, sorted by name), the language, the
  `X-Requested-With` header, under the content generation (`generation.py`).
- Conditional requests: a stored page carries a weak `ETag` derived from its key and a
  `Last-Modified` equal to the generation's time. A `304` only ever validates a `200`
  that the cache holds for this key (found there, or just stored): preconditions are
  evaluated against a stored page, never before the view has produced one, so a URL
  answering 400 or 404 never gets a 304 (`If-None-Match: *`, a future
  `If-Modified-Since`).
- `Cache-Control`: `public, max-age=PUBLIC_MAX_AGE` (at most the page cache's own
  lifetime) on a page served from or put into the cache; `no-cache` on any other
  anonymous response of those namespaces (errors, streamed exports, pages with a
  cookie); `private, no-store` for signed-in users. A view's own `Cache-Control` wins.
- Invalidation: any successful unsafe request of a signed-in user bumps the
  generation (admin actions and imports may write with `QuerySet.update()` or
  `bulk_create()`, which send no signal); model signals do the rest (invalidation.py).

Place it after AuthenticationMiddleware (it reads `request.user`) and LocaleMiddleware
(the language is part of the key).
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language

from .generation import bump_generation, cache_seconds, current_generation
from .keys import page_key

# Vary headers a cached response may carry: the key already covers them.
KEYED_VARY = {"accept-language", "cookie", "x-requested-with", "accept-encoding"}
# Headers of the stored 200 that its 304 repeats (RFC 9110 §15.4.5).
NOT_MODIFIED_HEADERS = ("ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Location")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


@dataclass
class Lookup:
    """This request's page-cache entry: where its response is (or will be) stored."""

    key: str
    etag: str
    generation: int
    seconds: int
    found: bool = False


def _is_signed_in(request) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False  # no session, no user: do not even load the session
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)


def _in_cached_namespace(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.namespace in settings.PAGE_CACHE_NAMESPACES


def preconditions_match(request, etag: str, last_modified_ms: int) -> bool:
    """Does the client already hold the page whose validators these are?

    `If-None-Match` first (weak comparison; `*` matches any current page), else
    `If-Modified-Since`, ignored when it is not a valid date or lies in the future
    (RFC 9110 §13.1.3: the client cannot hold a copy from the future)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if since is None or since > time.time():
        return False
    return last_modified_ms // 1000 <= since


def _storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if getattr(response, "stored_body", False):
        return False  # stored once per data stamp already (stored.py)
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


def _not_modified(response):
    """The 304 validating `response` (a stored 200)."""
    not_modified = HttpResponseNotModified()
    for header in NOT_MODIFIED_HEADERS:
        if header in response:
            not_modified[header] = response[header]
    not_modified["X-Cache"] = "revalidated"
    return not_modified


def _public_max_age(seconds: int) -> int:
    return max(0, min(int(getattr(settings, "PUBLIC_MAX_AGE", 60)), seconds))


class PageCacheMiddleware:
    """Serve anonymous public pages from the cache; see the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def process_view(self, request, view_func, view_args, view_kwargs):
        seconds = cache_seconds()
        if (
            not seconds
            or request.method not in ("GET", "HEAD")
            or not _in_cached_namespace(request)
            or _is_signed_in(request)
        ):
            return None
        generation = current_generation()
        key, etag = page_key(request, language=get_language() or "", generation=generation)
        lookup = Lookup(key, etag, generation, seconds)
        request.page_cache = lookup
        cached = cache.get(key)
        if cached is None:
            return None
        lookup.found = True
        if preconditions_match(request, etag, generation):
            return _not_modified(cached)
        cached["X-Cache"] = "hit"
        return cached

    def __call__(self, request):
        response = self.get_response(request)
        lookup = getattr(request, "page_cache", None)
        if lookup is not None:
            if lookup.found:
                return response
            return self._store(request, response, lookup)
        if request.method not in SAFE_METHODS:
            if response.status_code < 400 and _is_signed_in(request):
                # Admin actions and imports may write with QuerySet.update() or
                # bulk_create(), which send no signal: any staff write invalidates.
                bump_generation()
        elif _in_cached_namespace(request) and "Cache-Control" not in response:
            if _is_signed_in(request):
                patch_cache_control(response, private=True, no_store=True)
            else:
                patch_cache_control(response, no_cache=True)
        return response

    def _store(self, request, response, lookup):
        if not _storable(request, response):
            if "Cache-Control" not in response:
                patch_cache_control(response, no_cache=True)
            return response
        response.headers.setdefault("ETag", lookup.etag)
        response.headers.setdefault("Last-Modified", http_date(lookup.generation / 1000))
        if "Cache-Control" not in response:
            patch_cache_control(response, public=True, max_age=_public_max_age(lookup.seconds))
        response["X-Cache"] = "miss"
        cache.set(lookup.key, response, lookup.seconds)
        if preconditions_match(request, response["ETag"], lookup.generation):
            return _not_modified(response)
        return response
