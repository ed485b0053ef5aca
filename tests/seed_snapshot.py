"""The rows `load_seed` writes, recorded once per test session and written again for each
module that uses the real seed (tests/conftest.py, `seeded`).

Loading the seed through its loader validates every row (`full_clean()`), records a
revision and refreshes the derived data: thousands of queries, seconds on PostgreSQL.
The result is the same every time, so the loader runs once per session, in a
transaction rolled back after its rows have been read; each module then inserts those
rows again in one statement per table (deferred foreign keys let any order do).

What the loader changes is found by reading every table before and after it (a
second or two, once): inserted rows, and rows it updated (the data stamp). It deletes
none; if it ever does, `SeedSnapshot.record` says so instead of replaying a different
database.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction


def _models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _rows(model, using) -> dict:
    attnames = [f.attname for f in model._meta.concrete_fields]
    pk_index = attnames.index(model._meta.pk.attname)
    return {
        row[pk_index]: row
        for row in model._base_manager.using(using).values_list(*attnames).iterator()
    }


@dataclass
class SeedSnapshot:
    # model -> rows (tuples of the concrete fields' values) inserted / updated
    inserted: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    @classmethod
    def record(cls, load, using="default") -> "SeedSnapshot":
        """Run `load()` in a transaction rolled back after its rows have been read."""
        snapshot = cls()
        with transaction.atomic(using=using):
            before = {model: _rows(model, using) for model in _models()}
            load()
            for model, rows_before in before.items():
                rows_after = _rows(model, using)
                deleted = rows_before.keys() - rows_after.keys()
                if deleted:
                    raise RuntimeError(f"the seed loader deleted {model._meta.label} rows")
                inserted = [row for pk, row in rows_after.items() if pk not in rows_before]
                updated = [
                    row
                    for pk, row in rows_after.items()
                    if pk in rows_before and rows_before[pk] != row
                ]
                if inserted:
                    snapshot.inserted[model] = inserted
                if updated:
                    snapshot.updated[model] = updated
            transaction.set_rollback(True, using=using)
        return snapshot

    def replay(self, using="default") -> None:
        """Write the recorded rows again (inside the caller's transaction)."""
        for model, rows in self.updated.items():
            names = [f.attname for f in model._meta.concrete_fields]
            pk_name = model._meta.pk.attname
            for row in rows:
                values = dict(zip(names, row, strict=True))
                model._base_manager.using(using).filter(pk=values.pop(pk_name)).update(**values)
        for model, rows in self.inserted.items():
            fields = model._meta.concrete_fields
            names = [f.attname for f in fields]
            objs = [model(**dict(zip(names, row, strict=True))) for row in rows]
            manager = model._base_manager.using(using)
            for start in range(0, len(objs), 500):
                # raw: the values as recorded (auto_now would restamp updated_at, and a
                # seed pole would look edited by staff).
                manager._insert(  # noqa: SLF001 - bulk_create has no raw mode
                    objs[start : start + 500], fields=fields, raw=True, using=using
                )
