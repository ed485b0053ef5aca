"""The data stamp: a token in the database that every write of the directory's data
replaces inside the writing transaction (docs/caching.md#the-data-stamp).

What is stored under a stamp (the feeds and exports of caching/stored.py) is never
served stale, on any worker or instance, with or without Redis:

- the new token commits with the data it versions (same transaction): a request that
  reads it reads that data or newer;
- a request that read the old token before the commit may build from the new data:
  stored under the old token, nobody asks for it again;
- a rolled-back write leaves the old token, and tokens are random: one never comes
  back to name other data.

The cost: transactions that write the directory's data queue up on the row until the
previous one commits (editing is rare; pages never write).
"""

import contextvars
import uuid
from datetime import datetime

from django.apps import apps
from django.db import connection
from django.utils import timezone

from .request_version import forget_version

STAMP_PK = 1

# Has a page read the generation, in this execution context, since the context last
# bumped it? (See invalidation.py: an edit inside a transaction that already bumped
# bumps again only then.) A context variable, not a process-wide flag: another thread
# cannot see this transaction's uncommitted rows anyway.
read_since_bump = contextvars.ContextVar("ptce_generation_read_since_bump", default=True)


def _model():
    # Looked up when called: this module is imported while the app registry loads.
    return apps.get_model("caching", "DataStamp")


def read_stamp() -> tuple[str, datetime]:
    """(token, time of the latest write) of the directory's data: one query."""
    read_since_bump.set(True)
    model = _model()
    row = model.objects.filter(pk=STAMP_PK).values_list("token", "changed_at").first()
    if row is None:  # a flushed database (transactional tests): start a new one
        stamp, _created = model.objects.get_or_create(
            pk=STAMP_PK, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()}
        )
        row = (stamp.token, stamp.changed_at)
    return row


def read_token() -> str:
    """The stamp's token alone (`data_version()`, on every page): one query, written
    by hand since the ORM's compilation of `read_stamp()`'s cost more than PostgreSQL
    took to answer it. Read as `read_stamp()` reads it otherwise."""
    read_since_bump.set(True)
    table = connection.ops.quote_name(_model()._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = %s", [STAMP_PK])  # noqa: S608 - our table's name
        row = cursor.fetchone()
    if row is None:
        return read_stamp()[0]
    return row[0]


def bump_stamp() -> str:
    """Replace the token: whatever was stored under the old one is never served again.
    Called with the generation's bump (bump_generation), inside the writing
    transaction when there is one."""
    forget_version()
    token, now = uuid.uuid4().hex, timezone.now()
    model = _model()
    if not model.objects.filter(pk=STAMP_PK).update(token=token, changed_at=now):
        model.objects.update_or_create(pk=STAMP_PK, defaults={"token": token, "changed_at": now})
    return token
