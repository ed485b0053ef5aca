"""The observatory's raw numbers: a few grouped aggregate queries over the selected poles.

Every indicator of the page is built (in selectors.py) from four groups of plain
numbers, each read by one or two grouped queries whatever the number of poles,
structures or figures:

- ``poles``: the selected poles counted by status, seat département and founding year;
- ``activities``: poles by sector and by pooling type, and how many document their pooling;
- ``structures``: the current member structures (each once) counted by legal form, with
  how many hold an insertion (IAE) approval, have a known headcount band, employ fewer
  than 10 people, read from the poles' tallies (derived data: a few rows per pole,
  whatever the number of structures) plus the shared structures homed elsewhere;
- ``figures``: the key figures' count, total and median by year, with a digest of the
  poles behind each total (a line joins two years only when they are the same poles).
  PostgreSQL computes the
  medians (``percentile_disc`` of the two middle ranks: exact, the same value as Python's
  ``statistics.median``); other databases read the figures and compute them in Python.

The groups hold ids and numbers only (labels are looked up when the page is built, in
the visitor's language), so they can be cached: each group goes through
``caching.versioned()`` under the selection's SQL and the data version (the site's
content generation, or the data stamp), so a cached group is never stale, and
the page, its English version and each indicator's CSV share one computation.
"""

from collections import defaultdict
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DecimalField,
    F,
    Func,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Concat

from caching import data_version, digest, versioned
from poles.models import KeyFigure, MemberTally, Pole, PoleWithFigures, SharedMember


def selected_ids(poles):
    """The filtered poles' ids as a subquery, without the annotations and ordering of a
    ranked search."""
    return poles.order_by().values("pk")


# --- The groups ------------------------------------------------------------------------


def pole_counts(poles) -> list[tuple]:
    """(status, seat département or None, founding year or None, poles), in one query."""
    return list(
        Pole.objects.filter(pk__in=selected_ids(poles))
        .values_list("status", "seat_commune__departement_id", "founded_year")
        .annotate(n=Count("pk"))
        .order_by()
    )


def activity_counts(poles) -> dict:
    """Poles by sector and by pooling type (the through tables hold one row per pole and
    item), and the number of poles with at least one pooling type: two queries."""
    ids = selected_ids(poles)
    sectors = dict(
        Pole.sectors.through.objects.filter(pole_id__in=ids)
        .values_list("sector_id")
        .annotate(n=Count("pole_id"))
        .order_by()
    )
    pooling_rows = Pole.pooling_types.through.objects.filter(pole_id__in=ids)
    # The poles documenting any pooling: an uncorrelated subquery of the same
    # statement (computed once), rather than a query of its own.
    documented = _count_distinct_poles(pooling_rows)
    rows = list(
        pooling_rows.values_list("poolingtype_id")
        .annotate(n=Count("pole_id"), documented=documented)
        .order_by()
    )
    return {
        "sectors": sectors,
        "pooling": {pooling_type: n for pooling_type, n, _documented in rows},
        "pooling_documented": rows[0][2] if rows else 0,
    }


def _count_distinct_poles(rows):
    """COUNT(DISTINCT pole_id) of `rows` as a scalar subquery."""
    return Subquery(
        rows.order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pole_id", distinct=True))
        .values("n")
    )


def structure_counts(poles) -> list[tuple]:
    """(legal form id or None, structures, IAE-approved, headcount band known, fewer than
    10 employees) for the current member structures of `poles`, each structure once,
    in one query.

    Each structure is tallied at one of its poles, its home (`MemberTally`, kept by
    poles/derived.py): the tallies of the selected poles count every structure whose
    home is selected, once. A structure shared with poles other than its home
    (`SharedMember`, about 8 % of them) and whose home is not selected is counted from
    the selected poles' shared rows, once however many of them it belongs to. So the
    query reads a few rows per pole instead of every member structure."""
    ids = selected_ids(poles)
    tallied = (
        MemberTally.objects.filter(pole_id__in=ids)
        .values_list("legal_form_id")
        .annotate(
            total=Sum("structures"),
            iae=Sum("iae"),
            band_known=Sum("band_known"),
            under_ten=Sum("under_ten"),
        )
        .order_by()
    )
    homed_elsewhere = (
        SharedMember.objects.filter(pole_id__in=ids)
        .exclude(home_id__in=ids)
        .values_list("legal_form_id")
        .annotate(
            total=Count("structure_id", distinct=True),
            iae=Count("structure_id", distinct=True, filter=Q(iae=True)),
            band_known=Count("structure_id", distinct=True, filter=Q(band_known=True)),
            under_ten=Count("structure_id", distinct=True, filter=Q(under_ten=True)),
        )
        .order_by()
    )
    counts = defaultdict(lambda: [0, 0, 0, 0])
    for legal_form_id, *numbers in tallied.union(homed_elsewhere, all=True):
        for index, number in enumerate(numbers):
            counts[legal_form_id][index] += number
    return [(legal_form_id, *numbers) for legal_form_id, numbers in counts.items()]


class Middles(Aggregate):
    """PostgreSQL: [lower middle value, upper middle value] (the same value twice for
    an odd count), from one sort: PERCENTILE_DISC at 0.5 takes the value at rank
    ceil(n/2), and just above 0.5 the next rank when n is even, the same one when odd
    (exact for any n below 10^9)."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, base_field, **extra):
        super().__init__(expression, output_field=ArrayField(base_field), **extra)


def _middle(low, high) -> Decimal:
    return (Decimal(low) + Decimal(high)) / 2


def figure_counts(poles) -> dict:
    """The key figures by year: {"years": [row, …], "poles": poles with any figure}."""
    figures = KeyFigure.objects.filter(pole_id__in=selected_ids(poles))
    if connection.vendor == "postgresql":
        return _figures_in_sql(figures, poles)
    return figures_in_python(figures)


def _count_poles_with_figures(poles):
    """The number of selected poles with an ETP or turnover figure, as a scalar
    subquery: one `PoleWithFigures` row per such pole (kept by poles/derived.py)."""
    return Subquery(
        PoleWithFigures.objects.filter(pole_id__in=selected_ids(poles))
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _figure_row(year, *, etp: tuple, turnover: tuple) -> dict:
    """One year's row; `etp` and `turnover` are (poles, total, median, poles' key).

    The key is a digest of the ids of the poles behind the total: two years with the
    same key rest on the same poles, and only those may be joined by a line."""
    etp_names = ("etp_poles", "etp_total", "etp_median", "etp_poles_key")
    turnover_names = ("turnover_poles", "turnover_total", "turnover_median", "turnover_poles_key")
    return {
        "year": year,
        **dict(zip(etp_names, etp, strict=True)),
        **dict(zip(turnover_names, turnover, strict=True)),
    }


def poles_key(ids) -> str:
    """A key of a set of pole ids (Python's computation, for other databases): equal
    keys, same poles."""
    return ",".join(map(str, sorted(ids)))


def _poles_key_sql(field: str):
    """PostgreSQL's key of the set of poles with `field`: the count and the sum of a
    64-bit hash of each id (no sort, order-free; two different sets of the same size
    share a sum with a chance of about 2^-64)."""
    published = Q(**{f"{field}__isnull": False})
    _id_hash = Func(F("pole_id"), Value(0), function="HASHINT8EXTENDED")
    return Concat(
        Cast(Count("pole_id", filter=published), TextField()),
        Value(":"),
        Cast(Sum(_id_hash, filter=published), TextField()),
        output_field=TextField(),
    )


def _figures_in_sql(figures, poles) -> dict:
    rows = list(
        figures.values("year")
        .annotate(
            etp_poles=Count("etp"),
            etp_total=Sum("etp"),
            etp_middles=Middles("etp", KeyFigure._meta.get_field("etp").clone()),
            turnover_poles=Count("turnover"),
            turnover_total=Sum("turnover", output_field=DecimalField()),
            turnover_middles=Middles("turnover", KeyFigure._meta.get_field("turnover").clone()),
            etp_key=_poles_key_sql("etp"),
            turnover_key=_poles_key_sql("turnover"),
            # Every pole with any figure, any year: a subquery of the same statement,
            # over the poles with figures (derived data: one row per pole) rather than
            # the distinct poles of every year's figures (a sort of them all).
            with_figures=_count_poles_with_figures(poles),
        )
        .filter(Q(etp_poles__gt=0) | Q(turnover_poles__gt=0))
        .order_by("year")
    )
    years = [
        _figure_row(
            row["year"],
            etp=(
                row["etp_poles"],
                row["etp_total"],
                _middle(*row["etp_middles"]) if row["etp_poles"] else None,
                row["etp_key"],
            ),
            turnover=(
                row["turnover_poles"],
                int(row["turnover_total"]) if row["turnover_poles"] else None,
                _middle(*row["turnover_middles"]) if row["turnover_poles"] else None,
                row["turnover_key"],
            ),
        )
        for row in rows
    ]
    return {"years": years, "poles": rows[0]["with_figures"] if rows else 0}


def figures_in_python(figures) -> dict:
    """Neither SQLite nor Django has a portable median: one query reads the figures, a
    few rows per pole."""
    by_year = defaultdict(lambda: {"etp": [], "turnover": [], "etp_ids": [], "turnover_ids": []})
    with_figures = set()
    for pole_id, year, etp, turnover in figures.order_by("year").values_list(
        "pole_id", "year", "etp", "turnover"
    ):
        if etp is not None:
            by_year[year]["etp"].append(etp)
            by_year[year]["etp_ids"].append(pole_id)
        if turnover is not None:
            by_year[year]["turnover"].append(turnover)
            by_year[year]["turnover_ids"].append(pole_id)
        if etp is not None or turnover is not None:
            with_figures.add(pole_id)
    years = []
    for year in sorted(by_year):
        etp, turnover = by_year[year]["etp"], by_year[year]["turnover"]
        if not etp and not turnover:
            continue
        years.append(
            _figure_row(
                year,
                etp=(
                    len(etp),
                    sum(etp, Decimal(0)) if etp else None,
                    _middle(*_middles(etp)) if etp else None,
                    poles_key(by_year[year]["etp_ids"]) if etp else None,
                ),
                turnover=(
                    len(turnover),
                    sum(turnover) if turnover else None,
                    _middle(*_middles(turnover)) if turnover else None,
                    poles_key(by_year[year]["turnover_ids"]) if turnover else None,
                ),
            )
        )
    return {"years": years, "poles": len(with_figures)}


def _middles(values) -> tuple:
    """The two middle values of a non-empty list (the same one twice for an odd count)."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2], ordered[len(ordered) // 2]


COMPUTE = {
    "poles": pole_counts,
    "activities": activity_counts,
    "structures": structure_counts,
    "figures": figure_counts,
}


# --- Cached access -----------------------------------------------------------------------

# The key of a selection Django knows to be empty without asking the database.
EMPTY_SELECTION = "empty"


def selection_key(poles) -> str:
    """A digest of the selection's SQL and parameters: the same filters give the same key.

    A selection Django knows to be empty has no SQL (compiling it raises
    EmptyResultSet): on PostgreSQL, a search whose text holds no letter or digit is
    `none()`, as on /poles/. Every such selection has the same numbers (none)."""
    try:
        sql, params = selected_ids(poles).query.sql_with_params()
    except EmptyResultSet:
        return EMPTY_SELECTION
    return digest(sql, repr(params))


class Facts:
    """The groups of numbers for one selection of poles, computed on first use, once per
    request at most, and through `versioned()` under one data version for the page."""

    def __init__(self, poles):
        self.poles = poles
        self._values = {}
        # Reference lists (labels, links) read once for a page: not cached, they are
        # in the visitor's language.
        self.references = {}
        self._version = ...  # not read yet
        self._selection = None

    def cached(self, name: str, compute, *, per_language: bool = False):
        """`compute()` for this selection, cached under the data version read once for
        the page (so that every number of one page comes from the same version)."""
        if self._version is ...:
            # The version is read before the data: numbers read afterwards are at least
            # as recent as the version they are stored under.
            self._version = data_version()
            self._selection = selection_key(self.poles)
        return versioned(
            f"observatory:{self._selection}:{name}",
            compute,
            per_language=per_language,
            version=self._version,
        )

    def __getitem__(self, group: str):
        if group not in self._values:
            compute = COMPUTE[group]
            self._values[group] = self.cached(group, lambda: compute(self.poles))
        return self._values[group]
