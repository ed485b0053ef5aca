"""Validators of the API's read representations: `ETag` and `If-None-Match`. (Writes
compare `If-Match` with a record's version, which does not depend on the language or
the read representation: api.writes.)

The `ETag` of a response is a digest of its exact body, so it changes whenever what
the client would read changes, and never otherwise: a `304` is never stale.

Computing it needs the body. To answer a repeated request without running the view,
the tag is also remembered in the cache under the data version
(`caching.data_version()`: the content generation with the page cache on, else the
data stamp), the request's canonical URL and its language: a
version moves with every write, so a remembered tag can only be the current one.
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from caching import canonical_query, digest, release

# Tags stay remembered this long at most: the version is exact, this only bounds memory.
REMEMBERED_SECONDS = 600


def etag_of(content: bytes) -> str:
    """A strong entity tag: the digest of the representation's bytes."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _tags(header: str) -> set[str]:
    return {tag.strip() for tag in header.split(",") if tag.strip()}


def none_match(header: str | None, etag: str) -> bool:
    """Does `If-None-Match` hold this tag (weak comparison, RFC 9110 §13.1.2)?"""
    if header is None:
        return False
    tags = {tag.removeprefix("W/") for tag in _tags(header)}
    return "*" in tags or etag.removeprefix("W/") in tags


def validator_key(request, version: str) -> str:
    """Where the tag of this request's representation is remembered under `version`:
    the database, the running release (another release's bytes have another tag), the
    scheme, host, path and canonical query, the language, and the authenticated user
    (none for public reads)."""
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    return "ptce:api:etag:" + digest(
        str(connection.settings_dict["NAME"] or ""),
        release(),
        version,
        request.scheme,
        request.get_host(),
        request.path,
        canonical_query(request.GET),
        get_language() or "",
        user_id,
    )


def remembered_etag(request, version: str | None) -> tuple[str | None, str | None]:
    """(key, tag) of the representation this request would get, when the data version
    (`caching.data_version()`, read by the view) is known and the tag remembered under
    it; (key or None, None) otherwise."""
    if version is None:
        return None, None
    key = validator_key(request, version)
    return key, cache.get(key)


def remember(key: str | None, etag: str) -> None:
    if key is not None:
        cache.set(key, etag, REMEMBERED_SECONDS)
