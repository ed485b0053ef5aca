"""Numbers computed from the data, cached under an exact version of it."""

from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from .generation import cache_seconds, current_generation
from .keys import digest
from .release import release
from .request_version import remembered_version
from .stamp import read_token

# How long numbers cached under a data version stay: the version is exact, so this only
# bounds memory.
VERSIONED_SECONDS = 600
_MISSING = object()


def data_version() -> str:
    """A version of the directory's data: numbers cached under it are never stale.

    - With the public page cache on (settings/prod.py turns it on only with a cache
      shared by every worker, Redis): the site's content generation, bumped by every
      edit of the directory, and only by those (from the cache: no query).
    - Otherwise: the data stamp (stamp.py), a token in the database that every write
      of the directory's data replaces inside its own transaction (one query). The
      stored feeds and exports are kept under it too: one version for all that is
      derived from the data. It moves with the directory's data only, not with every
      commit of the database server (sessions, login records, other databases), so
      that a cache local to each worker keeps its numbers from one edit to the next.
      Inside a transaction that has written, the stamp is that transaction's own new
      token: what is stored under it is never read again if it rolls back.

    Read once per request (request_version.py): a write of the request itself makes
    the next read ask again.
    """
    return remembered_version(_read_version)


def _read_version() -> str:
    if cache_seconds():
        return f"generation:{current_generation()}"
    return f"stamp:{read_token()}"


def versioned(name: str, compute, *, per_language: bool = False, version: str | None = ...):
    """`compute()`, cached under the current `data_version()`: never stale, since any
    write gives another version. For what every visitor of a page would otherwise
    recompute from the whole directory (the home page's key figures, the filter form's
    reference lists, the observatory's numbers). With `version=None`, computed.

    `name` must say everything `compute` depends on besides the data (build it with
    `caching.digest()` from parsed input). `version`: a version already read by the
    caller, so that several values of one page are read under the same one. The
    version is read before the data, so what is stored under it is at least as recent
    as the version. The key holds the running release too (release.py): a value
    another release stored, in its own shape, is never read.
    """
    if version is ...:
        version = data_version()
    if version is None:
        return compute()
    language = (get_language() or "") if per_language else None
    key = "ptce:versioned:" + digest(
        str(connection.settings_dict["NAME"] or ""), release(), version, name, language
    )
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, VERSIONED_SECONDS)
    return value
