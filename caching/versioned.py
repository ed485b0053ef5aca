"""Numbers computed from the data, cached under an exact version of it."""

from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from .generation import cache_seconds, current_generation
from .keys import digest

# How long numbers cached under a data version stay: the version is exact, so this only
# bounds memory.
VERSIONED_SECONDS = 600
_MISSING = object()


def data_version() -> str | None:
    """A version of the directory's data, or None when numbers must not be cached.

    - With the public page cache on (settings/prod.py turns it on only with a cache
      shared by every worker, Redis): the site's content generation, bumped by every
      edit of the directory, and only by those.
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


def versioned(name: str, compute, *, per_language: bool = False, version: str | None = ...):
    """`compute()`, cached under the current `data_version()`: never stale, since any
    write gives another version. For what every visitor of a page would otherwise
    recompute from the whole directory (the home page's key figures, the filter form's
    reference lists, the observatory's numbers). Without a version (SQLite without the
    page cache), computed.

    `name` must say everything `compute` depends on besides the data (build it with
    `caching.digest()` from parsed input). `version`: a version already read by the
    caller, so that several values of one page are read under the same one. The
    version is read before the data, so what is stored under it is at least as recent
    as the version.
    """
    if version is ...:
        version = data_version()
    if version is None:
        return compute()
    language = (get_language() or "") if per_language else None
    key = "ptce:versioned:" + digest(
        str(connection.settings_dict["NAME"] or ""), version, name, language
    )
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, VERSIONED_SECONDS)
    return value
