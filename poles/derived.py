"""Derived data of the directory, and the one mechanism that keeps it current.

A derived value is computed from other records and stored for speed; it is never
edited. This app keeps five of them, per pole:

- `Pole.updated_at` ("last updated", the exports' ETag and Last-Modified, the admin's
  lock), from the pole and every record its page or exports show: key figures,
  memberships, sources, photos, structures, reference lists (sectors, pooling types,
  networks, recognitions, legal forms), and the models other apps register (members:
  colleges, cooperators).
- `PoleCoverage` (région and département filters, territory pages and counts), from the
  seat, the territory of action and the geography (communes, EPCI).
- The search text, vector and lexicon (`?q=` everywhere), from the name, summary,
  description, development axes, the seat commune and its département, the sectors'
  names and the current member structures' names.
- The member structure tallies (`MemberTally`, `SharedMember`: the observatory's
  structure indicators), from the memberships, the structures' legal forms, headcount
  bands and approvals, the approvals' IAE flag and the bands' upper bounds. A structure
  is tallied at one pole of those it belongs to (its home), so a change to it marks
  every pole it belongs to, before and after the change.
- Whether the pole has key figures (`PoleWithFigures`: the observatory's count of the
  poles behind its jobs and turnover), from the key figures' ETP and turnover.

The page cache's generation is the sixth derived value; it is kept by the `caching`
app's own receivers, since every public page derives from every table.

**The mechanism.** `SOURCES` says, for each model, which derived values of which poles
its rows feed. One set of receivers (`post_save`, `post_delete`, `m2m_changed`, raw
saves included, so history reverts and recoveries count, except for `updated_at`, which
the form confirming a revert stamps) reads that table and
*marks* the poles (a source may name the fields its derived values read, so that a
save changing none of them marks nothing, and ask for the poles the row fed as stored
before a save, so that a row moved to another pole or structure refreshes both). A mark
is refreshed at once, or, inside a `batch()` block, once at
the end of the block (still inside its transaction): the admin's forms and actions,
history reverts, imports and the seed loader run in a batch, so a pole saved with
twenty inline rows is refreshed once. Writes that send no signal (`QuerySet.update()`,
`bulk_create()`) call `mark()` themselves, or `refresh_all()` after a bulk load. Other
apps add their models with `register()` (members does, from its `ready()`).

**Concurrent refreshes.** A refresh deletes a pole's derived rows and inserts them
again, from what its transaction reads. On PostgreSQL two transactions may refresh the
same pole at once (two editors, the API and the admin): each refresh first locks the
poles it refreshes (`_lock`), so that the second waits for the first to commit and then
reads, in READ COMMITTED, what the first wrote (SQLite writes one transaction at a
time).
"""

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from territories.signals import territories_loaded

from . import services

UPDATED_AT = "updated_at"
COVERAGE = "coverage"
SEARCH = "search"
MEMBER_TALLIES = "member_tallies"
FIGURES = "figures"
# Refreshed in this order: the search text, the tallies and the poles with figures read
# nothing the others write, and the touch comes last so that it stamps the end of the
# change.
DERIVED_VALUES = (COVERAGE, SEARCH, MEMBER_TALLIES, FIGURES, UPDATED_AT)
ALL = None  # "every pole", for a mark


@dataclass
class _Marks:
    """Poles waiting for a refresh, by derived value (`ALL`: every pole)."""

    poles: dict[str, set | None] = field(default_factory=dict)

    def add(self, what: str, pole_ids) -> None:
        if pole_ids is ALL:
            self.poles[what] = ALL
        elif self.poles.get(what, set()) is not ALL:
            self.poles.setdefault(what, set()).update(pole_ids)


# The batch of the current thread or task, if any (a context variable, so that two
# requests served at once never share one).
_batch: ContextVar[_Marks | None] = ContextVar("ptce_derived_batch", default=None)


def mark(what: str, pole_ids: Iterable[int] | None) -> None:
    """Refresh `what` for these poles (`ALL`: every pole), now or at the end of the
    current batch."""
    if pole_ids is not ALL:
        pole_ids = {pk for pk in pole_ids if pk is not None}
        if not pole_ids:
            return
    batch = _batch.get()
    if batch is None:
        marks = _Marks()
        marks.add(what, pole_ids)
        _refresh(marks)
    else:
        batch.add(what, pole_ids)


def mark_every_value(pole_ids: Iterable[int]) -> None:
    """For writers that change poles without signals (bulk updates). A writer that
    changes memberships or structures this way must name every pole of the structures
    concerned: a structure's tally sits at one of its poles only (MEMBER_TALLIES)."""
    pole_ids = set(pole_ids)
    for what in DERIVED_VALUES:
        mark(what, pole_ids)


def refresh_all() -> None:
    """Rebuild every derived value of every pole (after a bulk load)."""
    marks = _Marks()
    for what in DERIVED_VALUES:
        marks.add(what, ALL)
    _refresh(marks)


@contextmanager
def batch():
    """Refresh what the block marks once, at its end (nested blocks join the outer
    one). Nothing is refreshed if the block raises: its transaction rolls back."""
    if _batch.get() is not None:
        yield
        return
    marks = _Marks()
    token = _batch.set(marks)
    try:
        yield
    finally:
        _batch.reset(token)
    _refresh(marks)


# Taken shared by every refresh of some poles and exclusive by a refresh of every pole
# (the project's only advisory lock: the key is arbitrary, "ptce:drv" as a number).
REBUILD_LOCK = int.from_bytes(b"ptce:drv", "big")


def _refresh(marks: _Marks) -> None:
    if not marks.poles:
        return
    if connection.vendor != "postgresql":
        # SQLite writes one transaction at a time: nothing to wait for, no query more.
        _refresh_values(marks)
        return
    # The lock must be held by the transaction that deletes and inserts the rows, until
    # it commits: a refresh outside a transaction (autocommit) gets one of its own.
    with transaction.atomic(savepoint=False):
        _lock(marks)
        _refresh_values(marks)


def _lock(marks: _Marks) -> None:
    """Make a concurrent refresh of the same poles wait until this transaction commits.

    Without it, two transactions refreshing a pole at once each delete the rows they
    can see and insert the rows computed from what they can see: the second insert
    fails on the first's row (duplicate key), or the second's values, computed without
    the first's change, win (search text).

    The lock is the poles' own rows, in primary-key order (two refreshes of overlapping
    poles never each hold what the other waits for), FOR NO KEY UPDATE: the lock the
    refresh takes anyway when it writes the pole's `updated_at` or search text, taken
    before it reads anything. So a refresh also waits for an editor who holds the pole
    (the admin's change form locks the record it saves, a pole's form the pole), and
    the editor's own refresh then locks a row it already holds. An advisory lock per
    pole would not: a refresh holding it would wait for the editor's row to write
    `updated_at`, while the editor, at the end of its batch, waits for the advisory
    lock (a deadlock). Not FOR UPDATE, which would also stop the key-share locks that
    the foreign keys of a pole's new rows take on it.

    A refresh of every pole cannot lock the poles created meanwhile, by transactions
    not committed yet: it takes an advisory lock exclusive, which every other refresh
    takes shared; each after the rows, so that an editor holding a pole's row never
    waits for a rebuild that holds the advisory lock and waits for that row.

    Writers that replace the page cache's data stamp (caching/stamp.py) take its row
    at their first write and these locks at the end of their batch: always in that
    order. Outside a batch, a transaction refreshes at each write, before it replaces
    the stamp (this app's receivers run first), and takes these locks in steps: it may
    deadlock with another writer (PostgreSQL then rolls one back: its save fails), so
    the site's writers all batch (the admin and its history reverts, the API, imports,
    suggestions, the seed).

    No lock for the touch alone: an UPDATE of `updated_at` deletes nothing."""
    if set(marks.poles) == {UPDATED_AT}:
        return
    pole = apps.get_model("poles", "Pole")._meta
    table, pk = (connection.ops.quote_name(name) for name in (pole.db_table, pole.pk.column))
    if any(ids is ALL for ids in marks.poles.values()):
        rows, params, rebuild_lock = "", [], "pg_advisory_xact_lock"
    else:
        ids = sorted(set().union(*marks.poles.values()))
        rows, params, rebuild_lock = (
            f"WHERE {pk} = ANY(%s::bigint[])",
            [ids],
            "pg_advisory_xact_lock_shared",
        )
    # One round trip: the count reads, hence locks, every row before the rebuild lock.
    # The names are the model's; the ids are parameters.
    sql = (
        f"SELECT {rebuild_lock}(%s) FROM (SELECT count(*) FROM (SELECT {pk} FROM {table} "  # noqa: S608
        f"{rows} ORDER BY {pk} FOR NO KEY UPDATE) AS locked) AS poles"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [REBUILD_LOCK, *params])


def _refresh_values(marks: _Marks) -> None:
    pole_model = apps.get_model("poles", "Pole")
    for what in DERIVED_VALUES:
        if what not in marks.poles:
            continue
        ids = marks.poles[what]
        poles = pole_model.objects.all() if ids is ALL else pole_model.objects.filter(pk__in=ids)
        if what == COVERAGE:
            services.refresh_coverage(None if ids is ALL else ids)
        elif what == SEARCH:
            services.refresh_search_texts(poles)
        elif what == MEMBER_TALLIES:
            services.refresh_member_tallies(None if ids is ALL else ids)
        elif what == FIGURES:
            services.refresh_poles_with_figures(None if ids is ALL else ids)
        else:
            poles.update(updated_at=timezone.now())


# --- What feeds what -------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A model whose rows feed derived values of some poles."""

    model: str  # "app_label.ModelName"
    derives: tuple[str, ...]
    # The poles a row feeds, read from the row (and, for a row moved to another pole,
    # from the values it was read with).
    poles: Callable[[object], Iterable[int]]
    # The fields the derived values read: a save of a stored row that changes none of
    # them marks nothing. Empty: every save marks.
    fields: tuple[str, ...] = ()
    # Also mark the poles the row fed as stored before a save (read from the database
    # then, so that a history revert moving it is caught too).
    before: bool = False

    @property
    def reads_stored_row(self) -> bool:
        return bool(self.fields) or self.before


def pole_of(instance) -> set[int]:
    """For a pole's child row: its pole, and the pole it was read with if it moved."""
    return {instance.pole_id, getattr(instance, "stored_pole_id", None)}


def _poles_of_structures(**lookup) -> set[int]:
    """The poles of the structures matching `lookup` (any membership, current or not)."""
    memberships = apps.get_model("poles", "Membership").objects.filter(**lookup)
    return set(memberships.values_list("pole_id", flat=True))


def _poles_of_structure(structure) -> set[int]:
    return _poles_of_structures(structure_id=structure.pk)


def _poles_sharing_structure(membership) -> set[int]:
    """A membership's pole and every pole of its structure: the structure's home, hence
    the tallies of all of them, may change with it."""
    return {membership.pole_id} | _poles_of_structures(structure_id=membership.structure_id)


def _poles_of_approval_holders(approval) -> set[int]:
    return _poles_of_structures(structure__approvals=approval.pk)


def _poles_of_band_members(band) -> set[int]:
    return _poles_of_structures(structure__headcount_band=band.pk)


def _poles_linked_to(field_name: str):
    """The poles whose many-to-many `field_name` (or foreign key) points at the row."""

    def poles(instance) -> set[int]:
        pole_model = apps.get_model("poles", "Pole")
        return set(
            pole_model.objects.filter(**{field_name: instance.pk}).values_list("pk", flat=True)
        )

    return poles


def _either(*finders):
    def poles(instance) -> set[int]:
        return set().union(*(finder(instance) for finder in finders))

    return poles


SOURCES: list[Source] = [
    Source("poles.KeyFigure", (UPDATED_AT,), pole_of),
    # The poles with figures: a figure given or taken away, or moved to another pole.
    Source(
        "poles.KeyFigure",
        (FIGURES,),
        pole_of,
        fields=("pole_id", "etp", "turnover"),
        before=True,
    ),
    Source("poles.PoleSource", (UPDATED_AT,), pole_of),
    Source("poles.PolePhoto", (UPDATED_AT,), pole_of),
    Source("poles.Membership", (SEARCH, UPDATED_AT), pole_of),
    Source("poles.Structure", (SEARCH, UPDATED_AT), _poles_of_structure),
    # The member structure tallies: who belongs where, and what is counted of each.
    Source(
        "poles.Membership",
        (MEMBER_TALLIES,),
        _poles_sharing_structure,
        fields=("pole_id", "structure_id", "left_year"),
        before=True,
    ),
    Source(
        "poles.Structure",
        (MEMBER_TALLIES,),
        _poles_of_structure,
        fields=("legal_form_id", "headcount_band_id"),
    ),
    Source("poles.Approval", (MEMBER_TALLIES,), _poles_of_approval_holders, fields=("is_iae",)),
    Source(
        "poles.HeadcountBand", (MEMBER_TALLIES,), _poles_of_band_members, fields=("max_employees",)
    ),
    Source(
        "poles.Sector",
        (SEARCH, UPDATED_AT),
        _either(_poles_linked_to("sectors"), _poles_linked_to("main_sector")),
    ),
    Source("poles.PoolingType", (UPDATED_AT,), _poles_linked_to("pooling_types")),
    Source("poles.Network", (UPDATED_AT,), _poles_linked_to("networks")),
    Source("poles.Recognition", (UPDATED_AT,), _poles_linked_to("recognitions")),
    Source("poles.LegalForm", (UPDATED_AT,), _poles_linked_to("legal_form")),
    # The geography: a commune's or a département's name is in the search text of the
    # poles seated there, and a commune's département decides their coverage.
    Source("territories.Commune", (COVERAGE, SEARCH), _poles_linked_to("seat_commune")),
    Source("territories.Departement", (SEARCH,), _poles_linked_to("seat_commune__departement")),
]

# The pole's many-to-many fields and what they feed (either side of the link). Not
# `updated_at`: the pole's own form saves the pole with its links, and a revert
# restores links without the raw flag that would tell it apart (see _on_source_saved).
POLE_LINKS = {
    "sectors": (SEARCH,),
    "territory_communes": (COVERAGE,),
    "territory_epcis": (COVERAGE,),
    "territory_departements": (COVERAGE,),
    "territory_regions": (COVERAGE,),
}


def register(source: Source) -> None:
    """Add another app's model to the table (call it from the app's `ready()`)."""
    SOURCES.append(source)
    _connect_source(source)


# --- Receivers --------------------------------------------------------------------


def _on_pole_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    def touched(name):
        return update_fields is None or name.removesuffix("_id") in update_fields

    if touched("seat_commune_id") and instance.changed_since_read("seat_commune_id"):
        mark(COVERAGE, [instance.pk])
    searched = [name for name in instance.TRACKED_FIELDS if touched(name)]
    if searched and instance.changed_since_read(*searched):
        mark(SEARCH, [instance.pk])
    instance.mark_stored()


def _before_source_saved(source: Source):
    def receiver(sender, instance, **kwargs):
        # The row as stored, before this write (None for a new row).
        stored = None
        if instance.pk is not None:
            stored = sender._base_manager.filter(pk=instance.pk).first()
        instance.__dict__.setdefault("derived_stored", {})[source] = stored

    return receiver


def _unchanged(source: Source, stored, instance) -> bool:
    return (
        bool(source.fields)
        and stored is not None
        and all(getattr(stored, name) == getattr(instance, name) for name in source.fields)
    )


def _on_source_saved(source: Source):
    def receiver(sender, instance, raw=False, **kwargs):
        if source.reads_stored_row:
            stored = instance.__dict__.get("derived_stored", {}).pop(source, None)
            if _unchanged(source, stored, instance):
                return
            poles = set(source.poles(instance))
            if source.before and stored is not None:
                poles |= set(source.poles(stored))
        else:
            poles = source.poles(instance)
        for what in source.derives:
            # A raw save is a history revert or recovery (or loaddata): the change
            # form that confirms it saves the record, which stamps the pole then;
            # stamping it now would make that very form fail its lost-update check.
            if not (raw and what == UPDATED_AT):
                mark(what, poles)

    return receiver


def _before_source_deleted(source: Source):
    def receiver(sender, instance, **kwargs):
        # Read now: the links to the poles go with the row.
        instance.__dict__.setdefault("derived_poles", {})[source] = source.poles(instance)

    return receiver


def _on_source_deleted(source: Source):
    def receiver(sender, instance, **kwargs):
        poles = instance.__dict__.get("derived_poles", {}).pop(source, None)
        if poles is None:
            poles = source.poles(instance)
        for what in source.derives:
            mark(what, poles)

    return receiver


def _on_link_changed(derives):
    def receiver(sender, instance, action, reverse, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if not reverse:
            poles = [instance.pk]
        elif pk_set is not None:  # e.g. sector.poles.add(...): the poles linked
            poles = pk_set
        else:  # sector.poles.clear(): which poles it unlinked is gone already
            poles = ALL
        for what in derives:
            mark(what, poles)

    return receiver


def _on_approvals_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A structure's approvals decide whether it counts as an insertion structure."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # structure.approvals.add(...), .remove(...), .clear()
        mark(MEMBER_TALLIES, _poles_of_structure(instance))
    elif pk_set is not None:  # approval.structures.add(...): the structures linked
        mark(MEMBER_TALLIES, _poles_of_structures(structure_id__in=pk_set))
    else:  # approval.structures.clear(): which structures it unlinked is gone already
        mark(MEMBER_TALLIES, ALL)


def _refresh_after_geography_load(sender, **kwargs):
    mark(COVERAGE, ALL)
    mark(SEARCH, ALL)


# Receivers must outlive connect(): signals hold weak references by default.
_receivers: list = []


def _connect_source(source: Source) -> None:
    model = apps.get_model(source.model)
    # A model may feed several derived values from different sources.
    uid = f"ptce-derived-{model._meta.label_lower}-{'-'.join(source.derives)}"
    signals = [
        (post_save, _on_source_saved),
        (pre_delete, _before_source_deleted),
        (post_delete, _on_source_deleted),
    ]
    if source.reads_stored_row:
        signals.append((pre_save, _before_source_saved))
    for signal, factory in signals:
        receiver = factory(source)
        _receivers.append(receiver)
        signal.connect(receiver, sender=model, dispatch_uid=f"{uid}-{signal}")


def connect() -> None:
    """Connect the receivers (from `PolesConfig.ready()`)."""

    pole_model = apps.get_model("poles", "Pole")
    post_save.connect(_on_pole_saved, sender=pole_model, dispatch_uid="ptce-derived-pole")
    for name, derives in POLE_LINKS.items():
        receiver = _on_link_changed(derives)
        _receivers.append(receiver)
        m2m_changed.connect(
            receiver,
            sender=pole_model._meta.get_field(name).remote_field.through,
            dispatch_uid=f"ptce-derived-pole-{name}",
        )
    for source in SOURCES:
        _connect_source(source)
    structure_model = apps.get_model("poles", "Structure")
    m2m_changed.connect(
        _on_approvals_changed,
        sender=structure_model.approvals.through,
        dispatch_uid="ptce-derived-structure-approvals",
    )
    territories_loaded.connect(_refresh_after_geography_load, dispatch_uid="ptce-derived-geo")
