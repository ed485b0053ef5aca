"""Reads for the public pages: each function gives one page what it shows."""

import functools
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.urls import reverse
from django.utils.translation import get_language

from caching import versioned
from territories.models import EPCI, Commune, Departement, Region
from territories.text import normalize

from .active_filters import active_filters, field_label, filter_params, query_without
from .filters import PoleFilterSet
from .models import (
    KeyFigure,
    LegalForm,
    Membership,
    Network,
    Pole,
    PoleCoverage,
    PolePhoto,
    PoolingType,
    Recognition,
    Sector,
    Structure,
)
from .numbers import orm_decimal
from .querysets import SEARCH_COLUMNS, membership_count

DEFAULT_MARKER_COLOR = "#3f6f8f"


# A pole's page lists its member structures by pages of this many: a pole can have
# hundreds.
MEMBERS_PAGE_SIZE = 100


def pole_detail_queryset():
    """A published pole with its seat, main sector and legal form (joined), the number
    of its memberships as `membership_count` (which pages the members table) and
    whether it has photos (`has_photos`). The page reads it with `pole_for_page()`,
    which this queryset defines; what its page lists comes from `pole_lists()`,
    `pole_memberships()` and `cooperator_summary()`."""
    return (
        Pole.objects.published()
        .for_page()
        .annotate(
            membership_count=membership_count("pole"),
            # Most poles have no photo: their page then skips the photos' query.
            has_photos=Exists(PolePhoto.objects.filter(pole=OuterRef("pk"))),
        )
    )


# `pole_detail_queryset().get(slug=…)`, its SQL written once per process from the
# models' fields: the ORM built and compiled that query (five joins, two subqueries) in
# about 3 ms at every visit of a pole's page, a fifth of the page, for 0.4 ms of
# PostgreSQL. Each joined row becomes the model instance `select_related()` would give
# (`Model.from_db`, each value through the database's converters), cached on its
# parent. tests/poles/test_pole_for_page.py holds it equal to the queryset.
_POLE_PAGE_JOINS = (
    # (model, alias, the foreign key to it, the alias that holds that key)
    (LegalForm, "f", "legal_form", "p"),
    (Commune, "c", "seat_commune", "p"),
    (Departement, "d", "departement", "c"),
    (Region, "r", "region", "d"),
    (Sector, "s", "main_sector", "p"),
)


def _page_fields(model, exclude=()) -> list:
    return [field for field in model._meta.concrete_fields if field.attname not in exclude]


@functools.cache
def _pole_page_statement(vendor: str) -> tuple[str, list]:
    """(SQL, [(model, fields, their converters, foreign key or None, parent's index)])
    for `vendor`."""
    quote = connection.ops.quote_name
    parts = [(Pole, "p", None, None, _page_fields(Pole, SEARCH_COLUMNS))]
    aliases = {"p": 0}
    joins = []
    for model, alias, key_name, parent_alias in _POLE_PAGE_JOINS:
        parent_model = parts[aliases[parent_alias]][0]
        key = parent_model._meta.get_field(key_name)
        aliases[alias] = len(parts)
        parts.append((model, alias, key, aliases[parent_alias], _page_fields(model)))
        joins.append(
            f"LEFT JOIN {quote(model._meta.db_table)} AS {alias} "
            f"ON {alias}.{quote(key.target_field.column)} = {parent_alias}.{quote(key.column)}"
        )
    columns = [
        f"{alias}.{quote(field.column)}" for _m, alias, _k, _p, fields in parts for field in fields
    ]
    membership, photo = Membership._meta, PolePhoto._meta
    sql = (
        f"SELECT {', '.join(columns)}, "  # noqa: S608 - the models' own tables and columns; the slug is a parameter
        f"(SELECT COUNT(*) FROM {quote(membership.db_table)} AS m "
        f"WHERE m.{quote(membership.get_field('pole').column)} = p.id), "
        f"EXISTS (SELECT 1 FROM {quote(photo.db_table)} AS ph "
        f"WHERE ph.{quote(photo.get_field('pole').column)} = p.id) "
        f"FROM {quote(Pole._meta.db_table)} AS p {' '.join(joins)} "
        f"WHERE p.{quote('is_published')} AND p.{quote('slug')} = %s"
    )
    return sql, [
        (model, fields, _converters(model, fields), key, parent)
        for model, _alias, key, parent, fields in parts
    ]


def _converters(model, fields) -> list[tuple]:
    """Each field's column and the database's converters of its value, as the ORM
    applies them."""
    columns = [field.get_col(model._meta.db_table) for field in fields]
    return [
        (column, connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        for column in columns
    ]


def pole_for_page(slug: str) -> Pole | None:
    """The published pole `slug` as `pole_detail_queryset()` gives it, or None: one
    query, its SQL built once per process (`_pole_page_statement`)."""
    sql, parts = _pole_page_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, fields, converters, key, parent in parts:
        values = list(row[start : start + len(fields)])
        start += len(fields)
        for index, (column, functions) in enumerate(converters):
            for function in functions:
                values[index] = function(values[index], column, connection)
        instance = None
        if values[fields.index(model._meta.pk)] is not None:
            instance = model.from_db(connection.alias, [f.attname for f in fields], values)
        instances.append(instance)
        if key is not None and instances[parent] is not None:
            key.set_cached_value(instances[parent], instance)
    pole = instances[0]
    pole.membership_count, pole.has_photos = row[start], bool(row[start + 1])
    return pole


def pole_lists(pole: Pole) -> dict[str, list]:
    """The short lists of a pole's page in three queries: its eight many-to-many lists
    and its sources in one (`_linked_items()`), then its figures and photos (none
    when `pole_detail_queryset()` found that it has no photo). Not
    `prefetch_related()`: a lookup costs more in Python than the few rows it brings.
    Lean rows (`.values()`) where the page calls no method of the model."""
    lists = {
        **_linked_items(pole),
        "figures": list(KeyFigure.objects.filter(pole=pole).order_by("-year")),
        "photos": (
            list(PolePhoto.objects.filter(pole=pole).order_by("position", "id"))
            if getattr(pole, "has_photos", True)
            else []
        ),
    }
    # "Informations de 2021": the year of the most recent dated source, so that a figure
    # of 2014 is never taken for fresh.
    years = [source["year"] for source in lists["sources"] if source["year"]]
    lists["sources_year"] = max(years) if years else None
    return lists


# A pole's eight many-to-many lists in one query, written by hand: built by the ORM,
# the same UNION of eight SELECTs took ten times longer to compile than PostgreSQL
# took to run it (about 5 ms of every visit of a pole's page); its shape never
# changes. Columns: list, then its sort keys (a number, a text, the name), then what
# the page shows of an item (name, English name, code, slug or other text, région's
# slug). Each list keeps the order its page always had.
POLE_LINKS_SQL = """
SELECT 'sectors', s.position, '', s.name, s.name_en, '', s.slug, ''
  FROM poles_pole_sectors AS link JOIN poles_sector AS s ON s.id = link.sector_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'pooling_types', p.position, '', p.name, p.name_en, '', '', ''
  FROM poles_pole_pooling_types AS link
  JOIN poles_poolingtype AS p ON p.id = link.poolingtype_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'recognitions', r.year, '', r.name, r.name_en, '', r.announced, ''
  FROM poles_pole_recognitions AS link
  JOIN poles_recognition AS r ON r.id = link.recognition_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'networks', n.position, '', n.name, n.name_en, '', n.website, ''
  FROM poles_pole_networks AS link JOIN poles_network AS n ON n.id = link.network_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'regions', 0, '', r.name, '', r.code, r.slug, ''
  FROM poles_pole_territory_regions AS link
  JOIN territories_region AS r ON r.code = link.region_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'departements', 0, d.code, d.name, '', d.code, d.slug, r.slug
  FROM poles_pole_territory_departements AS link
  JOIN territories_departement AS d ON d.code = link.departement_id
  JOIN territories_region AS r ON r.code = d.region_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'epcis', 0, '', e.name, '', e.code, '', ''
  FROM poles_pole_territory_epcis AS link JOIN territories_epci AS e ON e.code = link.epci_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'communes', 0, '', c.name, '', c.code, '', ''
  FROM poles_pole_territory_communes AS link
  JOIN territories_commune AS c ON c.code = link.commune_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'sources', source.position, '', source.citation, '', CAST(source.id AS TEXT),
       source.url, CAST(source.year AS TEXT)
  FROM poles_polesource AS source
 WHERE source.pole_id = %s
ORDER BY 1, 2, 3, 4
"""

# Each list's items as unsaved instances holding what the page shows: their `label`
# and `get_absolute_url()` work as on a full instance.
_LINKED_ITEM = {
    "sectors": lambda name, name_en, code, text, region: Sector(
        name=name, name_en=name_en, slug=text
    ),
    "pooling_types": lambda name, name_en, code, text, region: PoolingType(
        name=name, name_en=name_en
    ),
    "recognitions": lambda name, name_en, code, text, region: Recognition(
        name=name, name_en=name_en, announced=text
    ),
    "networks": lambda name, name_en, code, text, region: Network(
        name=name, name_en=name_en, website=text
    ),
    "regions": lambda name, name_en, code, text, region: Region(code=code, name=name, slug=text),
    "departements": lambda name, name_en, code, text, region: Departement(
        code=code, name=name, slug=text, region=Region(slug=region)
    ),
    "epcis": lambda name, name_en, code, text, region: EPCI(code=code, name=name),
    "communes": lambda name, name_en, code, text, region: Commune(code=code, name=name),
}


def _linked_items(pole: Pole) -> dict[str, list]:
    """The pole's sectors, pooling types, recognitions, networks, and the régions,
    départements, EPCIs and communes of its territory of action, and its sources
    (`PoleSource.Meta.ordering`: position, then id), in one query."""
    items = {link: [] for link in _LINKED_ITEM}
    sources = []
    with connection.cursor() as cursor:
        cursor.execute(POLE_LINKS_SQL, [pole.pk] * (len(_LINKED_ITEM) + 1))
        for link, number, _text, *columns in cursor.fetchall():
            if link == "sources":
                citation, _name_en, pk, url, year = columns
                sources.append((number, int(pk), citation, url, int(year) if year else None))
            else:
                items[link].append(_LINKED_ITEM[link](*columns))
    items["sources"] = [
        {"citation": citation, "url": url, "year": year}
        for _position, _pk, citation, url, year in sorted(sources)
    ]
    return items


def _label(name: str, name_en: str, english: bool) -> str:
    """A reference item's name in the visitor's language, as `ReferenceItem.label`."""
    return name_en if english and name_en else name


# One page of a pole's memberships and their structures' approvals, written by hand as
# POLE_LINKS_SQL: built by the ORM, the two queries cost about 2 ms of a pole page's
# 17 ms of Python at 2,000 poles (2026-12-07). tests/poles/test_pole_page_rows.py holds
# the rows equal to the ORM's.
# One page of a pole's memberships, then the approvals of the page's structures, in one
# statement: each round trip of a page waits for a turn on the CPU under load, and
# joined in one SELECT the approvals would multiply the memberships' rows. The first
# column tells the two apart (0: a membership, 1: an approval); the second orders
# them (the membership's rank in the list, the approval's position).
MEMBERSHIPS_SQL = """
WITH page AS (
    SELECT ROW_NUMBER() OVER (ORDER BY m.role, s.name, m.id) AS n,
           m.structure_id, m.role, m.joined_year, m.left_year, s.name, s.website, s.etp,
           s.turnover, s.figures_year, f.name AS form_name, f.name_en AS form_name_en,
           f.abbreviation AS form_abbreviation, b.label
      FROM poles_membership AS m
      JOIN poles_structure AS s ON s.id = m.structure_id
      LEFT JOIN poles_legalform AS f ON f.id = s.legal_form_id
      LEFT JOIN poles_headcountband AS b ON b.id = s.headcount_band_id
     WHERE m.pole_id = %s
     ORDER BY n
     LIMIT %s OFFSET %s
)
SELECT 0, n, structure_id, role, joined_year, left_year, name, website, etp, turnover,
       figures_year, form_name, form_name_en, form_abbreviation, label
  FROM page
UNION ALL
SELECT 1, a.position, link.structure_id, NULL, NULL, NULL, a.name, NULL, NULL, NULL,
       NULL, NULL, a.name_en, a.abbreviation, NULL
  FROM poles_structure_approvals AS link JOIN poles_approval AS a ON a.id = link.approval_id
 WHERE link.structure_id IN (SELECT structure_id FROM page)
 ORDER BY 1, 2, 7
"""
_MEMBERSHIP_KEYS = (
    "structure_id",
    "role",
    "joined_year",
    "left_year",
    "name",
    "website",
    "etp",
    "turnover",
    "figures_year",
    "legal_form_name",
    "legal_form_name_en",
    "legal_form_abbreviation",
    "headcount_band",
)


def pole_memberships(pole: Pole, *, offset: int = 0) -> list[dict]:
    """One page of a pole's memberships as plain rows (no model instance: a page has a
    hundred), each with its structure's columns, legal form and headcount band joined,
    and its approvals as `approvals` ((label, short label) in their order): one query
    (MEMBERSHIPS_SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(MEMBERSHIPS_SQL, [pole.pk, MEMBERS_PAGE_SIZE, offset])
        found = cursor.fetchall()
    english = (get_language() or "fr").startswith("en")
    rows, approvals = [], defaultdict(list)
    for kind, _rank, structure_id, *columns in found:
        if kind:
            name, name_en, abbreviation = columns[3], columns[9], columns[10]
            label = _label(name, name_en, english)
            approvals[structure_id].append((label, abbreviation or label))
        else:
            rows.append(dict(zip(_MEMBERSHIP_KEYS, (structure_id, *columns), strict=True)))
    for row in rows:
        row["etp"] = orm_decimal(row["etp"], _STRUCTURE_ETP_QUANTUM)
        row["legal_form"] = None
        if row["legal_form_name"] is not None:
            label = _label(row["legal_form_name"], row["legal_form_name_en"], english)
            row["legal_form"] = (label, row["legal_form_abbreviation"] or label)
        row["approvals"] = approvals[row["structure_id"]]
    return rows


# --- Key figures ------------------------------------------------------------


@dataclass(frozen=True)
class FigureTotal:
    """One figure (ETP or turnover) totalled over the poles that published it for one
    same year: never one pole's 2014 added to another's 2024.

    `year` is the year the most poles published it (the latest of equals);
    `other_poles` published it for other years only, and are not in the total (the
    observatory gives every year's total)."""

    total: Decimal | int | None
    pole_count: int
    year: int | None
    approximate_count: int
    other_poles: int = 0

    @property
    def years(self) -> str:
        return "" if self.year is None else str(self.year)


SUMMED_FIGURES = ("etp", "turnover")


def figures_summary(poles) -> dict[str, FigureTotal]:
    """For each summed figure (ETP, turnover), its total over the poles that published
    it for the same year (`FigureTotal`): one aggregate query grouped by year, whatever
    the number of poles (the covering index on (pole, -year) serves it)."""
    return figure_totals(KeyFigure.objects.filter(pole_id__in=poles.order_by().values("pk")))


def figure_totals(figures) -> dict[str, FigureTotal]:
    """`FigureTotal` of each summed figure over the KeyFigure rows `figures`."""
    by_year = {}
    for name in SUMMED_FIGURES:
        published = Q(**{f"{name}__isnull": False})
        by_year.update(
            {
                f"{name}_poles": Count(name),
                f"{name}_total": Sum(name),
                f"{name}_approximate": Count("pk", filter=published & Q(is_approximate=True)),
            }
        )
        # Every pole that published the figure, any year: an uncorrelated subquery,
        # computed once, in the same statement.
        everyone = (
            figures.filter(published)
            .order_by()
            .annotate(one=Value(1))
            .values("one")
            .annotate(n=Count("pole_id", distinct=True))
            .values("n")
        )
        by_year[f"{name}_everyone"] = Subquery(everyone)
    return _totals_by_year(list(figures.order_by().values("year").annotate(**by_year)))


def _totals_by_year(years: list[dict]) -> dict[str, FigureTotal]:
    summary = {}
    for name in SUMMED_FIGURES:
        published = [row for row in years if row[f"{name}_poles"]]
        if not published:
            summary[name] = FigureTotal(total=None, pole_count=0, year=None, approximate_count=0)
            continue
        best = max(published, key=lambda row: (row[f"{name}_poles"], row["year"]))
        total = best[f"{name}_total"]
        summary[name] = FigureTotal(
            total=int(total) if name == "turnover" else total,
            pole_count=best[f"{name}_poles"],
            year=best["year"],
            approximate_count=best[f"{name}_approximate"],
            other_poles=best[f"{name}_everyone"] - best[f"{name}_poles"],
        )
    return summary


# --- Territories --------------------------------------------------------------


def _published_pole_places():
    """(pole id, département code, région code) for every département where a published
    pole is present (PoleCoverage: seated there, or acting on part or all of it)."""
    return PoleCoverage.objects.filter(pole__is_published=True).values_list(
        "pole_id", "departement_id", "region_id"
    )


def region_counts() -> list[Region]:
    """Régions annotated with `pole_count` (as in `territory_index`), without their
    départements: two queries."""
    region_poles: dict[str, set[int]] = defaultdict(set)
    for pole_id, _departement_code, region_code in _published_pole_places():
        region_poles[region_code].add(pole_id)
    regions = sorted(Region.objects.all(), key=_name_order)
    for region in regions:
        region.pole_count = len(region_poles[region.code])
    return regions


def _name_order(territory) -> str:
    """A French alphabetical order on every database: without accents or case, so that
    Île-de-France comes among the I (a plain `ORDER BY name` puts it after Z)."""
    return normalize(territory.name)


def territory_index() -> list[Region]:
    """Régions with their départements, each annotated with `pole_count`: the published
    poles seated there or whose territory of action covers (part of) it."""
    region_poles: dict[str, set[int]] = defaultdict(set)
    departement_poles: dict[str, set[int]] = defaultdict(set)
    for pole_id, departement_code, region_code in _published_pole_places():
        region_poles[region_code].add(pole_id)
        departement_poles[departement_code].add(pole_id)
    regions = sorted(
        Region.objects.prefetch_related(
            Prefetch("departements", queryset=Departement.objects.order_by("code"))
        ),
        key=_name_order,
    )
    for region in regions:
        region.pole_count = len(region_poles[region.code])
        region.departement_list = list(region.departements.all())
        for departement in region.departement_list:
            departement.pole_count = len(departement_poles[departement.code])
    return regions


def poles_in_region(region: Region):
    """Published poles seated in the région or acting on (part of) it, in list order."""
    return Pole.objects.published().in_region(region.code).order_by("sort_name", "pk")


def poles_in_departement(departement: Departement):
    """Published poles seated in the département or acting on (part of) it, including
    poles acting on its whole région, in list order."""
    return Pole.objects.published().in_departement(departement.code).order_by("sort_name", "pk")


def territory_poles(poles) -> tuple[list[int], dict[str, FigureTotal]]:
    """The ids of `poles` (in their order) and the totals of their figures (two
    queries: the ids, then the totals of their key figures by id).

    What costs on a territory or sector page is its filter (the seat and four links of
    the territory of action): counting, summing and paging the queryset would plan and
    run it three times. Here it runs once, and `pole_cards` reads one page of poles by id.
    """
    ids = list(poles.values_list("pk", flat=True))
    return ids, figure_totals_of(ids)


# `figure_totals()` of the key figures of the poles `ids`, written by hand as
# POLE_LINKS_SQL: built by the ORM, the grouped query with its two subqueries cost
# about 3 ms of a territory page's 12 ms of Python at 2,000 poles (2026-12-07).
# tests/poles/test_figure_totals.py holds the two equal.
FIGURE_TOTALS_SQL = """
WITH selected AS (
    SELECT pole_id, year, etp, turnover, is_approximate
      FROM poles_keyfigure WHERE pole_id IN ({ids})
)
SELECT year,
       COUNT(etp), SUM(etp),
       SUM(CASE WHEN etp IS NOT NULL AND is_approximate THEN 1 ELSE 0 END),
       COUNT(turnover), SUM(turnover),
       SUM(CASE WHEN turnover IS NOT NULL AND is_approximate THEN 1 ELSE 0 END),
       (SELECT COUNT(DISTINCT pole_id) FROM selected WHERE etp IS NOT NULL),
       (SELECT COUNT(DISTINCT pole_id) FROM selected WHERE turnover IS NOT NULL)
  FROM selected
 GROUP BY year
"""
_FIGURE_TOTALS_KEYS = (
    "year",
    "etp_poles",
    "etp_total",
    "etp_approximate",
    "turnover_poles",
    "turnover_total",
    "turnover_approximate",
    "etp_everyone",
    "turnover_everyone",
)


def figure_totals_of(ids) -> dict[str, FigureTotal]:
    """`figure_totals()` of the key figures of the poles `ids`, in one query."""
    ids = [int(pk) for pk in ids]
    if not ids:
        return _totals_by_year([])
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        # The ids once: as many parameters as the ORM's `pole_id__in` would send.
        cursor.execute(FIGURE_TOTALS_SQL.format(ids=placeholders), ids)
        years = [dict(zip(_FIGURE_TOTALS_KEYS, row, strict=True)) for row in cursor.fetchall()]
    for row in years:
        row["etp_total"] = orm_decimal(row["etp_total"])
    return _totals_by_year(years)


def pole_cards(ids) -> list[dict]:
    """The published poles `ids`, in that order, as the rows a pole card shows (the
    directory's rows, poles/cards.py): one query, no model instance."""
    return directory_rows(ids)


# --- Sectors ------------------------------------------------------------------


def sectors_with_counts():
    return Sector.objects.annotate(
        pole_count=Count("poles", filter=Q(poles__is_published=True), distinct=True)
    ).order_by("position", "name")


def poles_in_sector(sector: Sector):
    return (
        Pole.objects.published()
        .filter(Pole.objects.linked_through("sectors", sector=sector))
        .order_by("sort_name", "pk")
    )


# --- Home -----------------------------------------------------------------------


# The home page shows a bounded number of poles: the map (fed by /poles.geojson) and
# the entry points by territory and sector lead to all of them.
HOME_RECENT_POLES = 8


def home_figures() -> dict:
    """The home page's numbers over the whole directory (status counts, key-figure
    totals, régions and sectors with their pole counts): a few aggregate queries over
    every published pole, the same for every visitor until the data changes, so
    cached under the data version (`versioned`: exact, never stale). Labels are not
    cached: they follow the visitor's language."""
    poles = Pole.objects.published()
    return {
        "status_counts": dict(
            poles.order_by().values_list("status").annotate(n=Count("pk", distinct=True))
        ),
        "figures": figures_summary(poles),
        "regions": [region for region in region_counts() if region.pole_count],
        "sectors": [sector for sector in sectors_with_counts() if sector.pole_count],
    }


def home_page() -> dict:
    numbers = versioned("home-figures", home_figures)
    statuses = [
        {"value": value, "label": label, "count": numbers["status_counts"].get(value, 0)}
        for value, label in Pole.Status.choices
    ]
    return {
        "pole_count": sum(status["count"] for status in statuses),
        "recent_poles": list(
            Pole.objects.published()
            .select_related("seat_commune")
            .order_by("-updated_at", "pk")[:HOME_RECENT_POLES]
        ),
        "status_counts": statuses,
        "figures": numbers["figures"],
        "regions": numbers["regions"],
        "regions_covered": len(numbers["regions"]),
        "sectors": numbers["sectors"],
    }


# --- Pole page ------------------------------------------------------------------


# --- Directory (/poles/, /poles.geojson) -----------------------------------------


def directory_filterset(params):
    """The directory's FilterSet over the published poles, bound to the query string."""

    return PoleFilterSet(params, queryset=Pole.objects.published())


# What a pole card shows (poles/cards.py), read as plain values: a page of
# results builds no model instance (20 poles with their seat, département, sectors and
# main sector as instances cost ~10 ms of CPU, the values ~2 ms).
DIRECTORY_ROW_FIELDS = (
    "pk",
    "name",
    "slug",
    "summary",
    "status",
    "founded_year",
    "seat_commune__name",
    "seat_commune__departement__name",
    "to_complete",
)


def directory_pole_ids(filterset):
    """The filtered poles' ids in the list's order, as a lazy queryset to paginate:
    `Paginator` counts them (`COUNT(*)`) and reads one page (`LIMIT`/`OFFSET`), in
    two queries whatever the number of poles. Unfiltered, both are index-only scans on
    (is_published, sort_name, id) on PostgreSQL: reading every id to paginate in
    Python cost ~6 ms at 2,000 poles and ~50 at 8,000. None when a filter value is
    invalid (the form shows the error: an invalid filter must not silently widen the
    list). The page's rows are then read by id (`directory_rows`)."""
    if not filterset.is_valid():
        return Pole.objects.none().order_by("pk").values_list("pk", flat=True)
    return filterset.qs.values_list("pk", flat=True)


def directory_ranked(filterset) -> bool:
    """Is the directory's list ordered by search relevance (PostgreSQL)? PostgreSQL
    then ranks every match before the first page, so the page can carry the matches'
    count (`pagination.counted_page_of`). Not for an order an index serves (by name,
    the filtered lists): there `COUNT(*) OVER ()` made the planner walk the whole index
    with a probe per pole (8.6 ms at 8,000 poles, against 0.8 + 1.8 for the page and a
    count apart)."""
    if not filterset.is_valid() or filterset.form.cleaned_data.get("tri"):
        return False
    if filterset.form.cleaned_data.get("autour"):
        return False
    return "search_rank" in filterset.qs.query.annotations


def directory_rows(ids, sector_labels: dict[int, str] | None = None, *, origin=None) -> list[dict]:
    """The directory rows of the poles `ids` (one page), in that order: dicts of
    DIRECTORY_ROW_FIELDS with the latest ETP and the sectors' labels: one query (two
    with an `origin`). With an `origin` (`filters.Origin`), each row's `distance_km` from it and
    `distance_from_commune` (`with_distance()`: None without a position, of the pole
    or of its seat commune), and for a pole without one, `territory`: the origin's
    territory the pole is present in (`with_territory_rank()`) as (kind, name)
    (`filters.Origin.places`), or None."""
    if origin is None:
        return _plain_directory_rows(ids)
    poles = Pole.objects.published().filter(pk__in=ids).with_latest_etp()
    poles = poles.with_distance(origin.latitude, origin.longitude)
    poles = poles.with_territory_rank(origin.communes)
    extra = ["latest_etp", "latest_etp_year", "distance_km", "distance_from_commune"]
    rows = poles.order_by().values(*DIRECTORY_ROW_FIELDS, *extra, "territory_rank")
    by_id = {row["pk"]: row for row in rows}
    for row in by_id.values():
        row["territory"] = origin.places.get(row["territory_rank"])
    # A pole unpublished between the two queries is left out.
    return with_sectors([by_id[pk] for pk in ids if pk in by_id], sector_labels)


# The rows of a page of poles without a distance (the directory's usual page, the
# territory and sector pages), and their sectors (the rows of kind 1), written by hand as
# POLE_LINKS_SQL: built by the ORM, the rows' query and their sectors' cost about 4 ms
# of the directory's 13 ms of Python at 2,000 poles (2026-12-07), against under 1 ms
# now. "Published" is
# `PoleQuerySet.published()`, the latest ETP `PoleQuerySet.with_latest_etp()`;
# tests/poles/test_directory_rows.py holds the rows equal to the ORM's.
DIRECTORY_ROWS_SQL = """
SELECT 0, p.id, p.name, p.slug, p.summary, p.status, p.founded_year, c.name, d.name,
       p.to_complete,
       (SELECT k.etp FROM poles_keyfigure AS k
         WHERE k.pole_id = p.id AND k.etp IS NOT NULL ORDER BY k.year DESC LIMIT 1),
       (SELECT k.year FROM poles_keyfigure AS k
         WHERE k.pole_id = p.id AND k.etp IS NOT NULL ORDER BY k.year DESC LIMIT 1),
       0
  FROM poles_pole AS p
  LEFT JOIN territories_commune AS c ON c.code = p.seat_commune_id
  LEFT JOIN territories_departement AS d ON d.code = c.departement_id
 WHERE p.is_published AND p.id IN ({ids})
UNION ALL
SELECT 1, link.pole_id, s.name, s.name_en, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       s.position
  FROM poles_pole_sectors AS link JOIN poles_sector AS s ON s.id = link.sector_id
 WHERE link.pole_id IN ({ids})
 ORDER BY 1, 13, 3
"""
_ROW_KEYS = (*DIRECTORY_ROW_FIELDS, "latest_etp", "latest_etp_year")


def _plain_directory_rows(ids) -> list[dict]:
    ids = [int(pk) for pk in ids]
    if not ids:
        return []
    placeholders = ", ".join(["%s"] * len(ids))
    english = (get_language() or "fr").startswith("en")
    sectors = defaultdict(list)
    by_id = {}
    with connection.cursor() as cursor:
        # The rows, then their sectors (by position and name), in one round trip.
        cursor.execute(DIRECTORY_ROWS_SQL.format(ids=placeholders), ids * 2)
        for sector, *row, _position in cursor.fetchall():
            if sector:
                sectors[row[0]].append(_label(row[1], row[2], english))
            else:
                by_id[row[0]] = dict(zip(_ROW_KEYS, row, strict=True))
    rows = []
    for pk in ids:
        row = by_id.get(pk)
        if row is None:
            continue  # unpublished since its id was read
        row["to_complete"] = bool(row["to_complete"])  # SQLite's 0 and 1
        row["latest_etp"] = orm_decimal(row["latest_etp"])  # a subquery's: not quantized
        row["sectors"] = sectors[pk]
        rows.append(row)
    return rows


_STRUCTURE_ETP_QUANTUM = Decimal(1).scaleb(-Structure._meta.get_field("etp").decimal_places)


def directory_summary(filterset, count: int) -> dict:
    """What the directory says above its results: the active filters (chips), and, when
    none matches, which single filter to drop (a few counts, only then)."""
    chips = active_filters(filterset)
    empty = filterset.is_valid() and chips and not count
    relaxations = directory_relaxations(filterset, chips) if empty else []
    return {
        "active_filters": chips,
        "relaxations": relaxations,
        "helpful_relaxations": [relaxation for relaxation in relaxations if relaxation.count],
    }


@dataclass(frozen=True)
class Relaxation:
    """What dropping one filter of an empty result would give."""

    field_label: str  # "Département"
    labels: str  # its values as the chips name them: "Oise", "Agriculture, Mobilité"
    count: int  # the poles listed without it
    query: str  # the query string without it


def directory_relaxations(filterset, chips) -> list[Relaxation]:
    """For an empty result, how many poles each active filter's removal would list: one
    count per filter parameter in use (a repeatable parameter's values are ORed, so
    only dropping the whole parameter can widen the list), in the form's order. Only
    for a valid filter set whose result is empty: the directory calls it then only."""
    cleaned = filterset.form.cleaned_data
    names = list(dict.fromkeys(chip.name for chip in chips))
    params = filter_params(filterset)
    relaxations = []
    for dropped in names:
        poles = filterset.queryset
        for name in names:
            if name != dropped:
                poles = filterset.filters[name].filter(poles, cleaned[name])
        relaxations.append(
            Relaxation(
                field_label=field_label(filterset, dropped),
                labels=", ".join(chip.label for chip in chips if chip.name == dropped),
                count=poles.order_by().count(),
                query=query_without(params, name=dropped),
            )
        )
    return relaxations


def with_sectors(rows: list[dict], sector_labels: dict[int, str] | None = None) -> list[dict]:
    """The rows of a page, each with `sectors`: its sectors' labels in their order, in
    one query on the pole–sector table for the whole page (the labels from
    `sector_labels` when the page has them, the directory's cached choices, else read
    with the links)."""
    sectors = defaultdict(list)
    links = Pole.sectors.through.objects.filter(pole_id__in=[row["pk"] for row in rows]).order_by(
        "sector__position", "sector__name"
    )
    if sector_labels is not None:
        for pole_id, sector_id in links.values_list("pole_id", "sector_id"):
            sectors[pole_id].append(sector_labels[sector_id])
    else:
        english = (get_language() or "fr").startswith("en")  # as ReferenceItem.label
        pairs = links.values_list("pole_id", "sector__name", "sector__name_en")
        for pole_id, name, name_en in pairs:
            sectors[pole_id].append(name_en if english and name_en else name)
    for row in rows:
        row["sectors"] = sectors[row["pk"]]
    return rows


def pole_url_prefix() -> str:
    """What a pole's URL is before its slug: one reverse() for a whole list, where
    `get_absolute_url` costs one per pole. Slugs are plain ASCII, nothing to quote."""
    return reverse("poles:detail", kwargs={"slug": "slug"}).removesuffix("slug/")


def directory_geojson(filterset) -> str:
    """The filtered poles (the FilterSet must be valid) as an RFC 7946 FeatureCollection,
    as JSON text, in two lean queries (tuples, no model instance) whatever their number:
    the poles with their sectors' ids (a third query for these without PostgreSQL's
    arrays), and their first photos. Poles without a position are only counted.

    Each feature is written as text, exactly what `json.dumps(..., ensure_ascii=False,
    separators=(",", ":"))` gives: at 2,000 poles, building a dict per feature and
    encoding them took half of the feed's time.

    The open data file (`/poles.geojson`, documented for reuse); the site's own maps load
    the leaner `directory_map_feed`.
    """
    found = _map_poles(filterset)
    rows, sector_ids = found.rows, found.sector_ids
    sectors_of = _sector_lists(sector_ids, filterset.sector_labels)
    marks = _sector_marks(filterset.sector_marks)
    seats = _seat_places({row[6] for row in rows})

    encode = encode_basestring  # a JSON string literal, non-ASCII kept as is
    url_prefix = pole_url_prefix()
    default_mark = f'"color":{encode(DEFAULT_MARKER_COLOR)},"sector":null'
    features = []
    for row in rows:
        pk, slug, name, status, latitude, longitude, seat, main_sector = row[:8]
        if latitude is None or longitude is None:
            continue
        mark = marks.get(
            map_sector_id(main_sector, sector_ids.get(pk) or (), found.rank), default_mark
        )
        # Lean: the `photo` property only for poles that have one.
        photo = f',"photo":{found.photos[pk]}' if found.photos.get(pk) else ""
        url = encode(f"{url_prefix}{slug}/")
        slug = encode(slug)
        features.append(
            f'{{"type":"Feature","id":{slug},'
            # RFC 7946: longitude first. float() reads the Decimal, repr() as json.dumps.
            f'"geometry":{{"type":"Point","coordinates":[{float(longitude)!r},{float(latitude)!r}]}},'
            f'"properties":{{"slug":{slug},"name":{encode(name)},"url":{url},'
            f'"commune":{seats.get(seat, NO_SEAT)},'
            f'"status":{encode(status)},"sectors":[{sectors_of.get(pk, "")}],'
            f"{mark}{photo}}}}}"
        )
    return (
        '{"type":"FeatureCollection","features":['
        + ",".join(features)
        + f'],"poles_without_position":{len(rows) - len(features)}}}'
    )


# The maps' own feed (`directory_map_feed`): its format, named in the feed so that a
# page still holding an older map.js can tell, and the meaning of each pole's list.
MAP_FEED_FORMAT = "ptce-map-1"
MAP_FEED_FIELDS = (
    "slug",
    "name",
    "longitude",
    "latitude",
    "status",
    "mark",
    "sectors",
    "commune",
    "departement",
    "photo",
)


def directory_map_feed(filterset) -> str:
    """The filtered poles (the FilterSet must be valid) for the site's maps (directory,
    home, territories, embed): what `directory_geojson` says, under a third of its size.

    The sectors (slug, name, colour, letters, rank) are written once, in the reference
    list's order; each pole is a list in `MAP_FEED_FIELDS` order, its marking sector
    (`mark`) and its sectors as positions in that list, the pole's URL its slug after the
    feed's `url` prefix, the photo (url and alt text) only for a pole that has one. At
    2,000 poles the GeoJSON repeated each sector's object and the feature's keys in every
    feature (1.08 MB for the browser to parse, 85 ms of JSON.parse); this is 299 KB.
    Same queries as the GeoJSON.
    """
    found = _map_poles(filterset)
    rows, sector_ids = found.rows, found.sector_ids
    rank = found.rank
    encode = encode_basestring
    seats = _seat_cells({row[6] for row in rows})
    positions = {}  # a few hundred combinations of sectors at most, each written once
    poles = []
    for row in rows:
        pk, slug, name, status, latitude, longitude, seat, main_sector = row[:8]
        if latitude is None or longitude is None:
            continue
        ids = tuple(sector_ids.get(pk) or ())
        if ids not in positions:
            # (A sector created since the reference list was read is left out.)
            positions[ids] = ",".join(str(p) for p in sorted(rank[i] for i in ids if i in rank))
        mark = rank.get(map_sector_id(main_sector, ids, rank))
        photo = f",{found.photos[pk]}" if found.photos.get(pk) else ""
        poles.append(
            f"[{encode(slug)},{encode(name)},{float(longitude)!r},{float(latitude)!r},"
            f"{encode(status)},{'null' if mark is None else mark},[{positions[ids]}],"
            f"{seats.get(seat, NO_SEAT_CELLS)}{photo}]"
        )
    sectors = json.dumps(
        list(filterset.sector_marks.values()), ensure_ascii=False, separators=(",", ":")
    )
    return (
        f'{{"format":"{MAP_FEED_FORMAT}","fields":{json.dumps(MAP_FEED_FIELDS)},'
        f'"url":{encode(pole_url_prefix())},"sectors":{sectors},"poles":['
        + ",".join(poles)
        + f'],"poles_without_position":{len(rows) - len(poles)}}}'
    )


# JSON written inside a script element: "<", ">" and "&" as escapes, as json_script
# writes them (JSON reads them the same), so that no text closes the element.
SCRIPT_DATA_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

# What a map's first screen draws of its poles, written in the page itself
# (`map_first_screen_poles`): its format, and each pole's numbers in the flat list.
FIRST_SCREEN_FORMAT = "ptce-first-screen-1"
FIRST_SCREEN_FIELDS = ("longitude", "latitude", "mark", "status")


def directory_map_first_screen(filterset, *, limit: int | None = None) -> str:
    """The JSON text of what a map's first screen draws of the filtered poles (the
    FilterSet must be valid): each pole's position, marking sector and status, in the
    maps' feed's order and with its very numbers, so that the groups and pixels are
    those map.js draws from the feed (static/poles/js/map-feed.js).

    Written in the page before the map's element (`ptce` template tag
    `map_first_screen`): the first screen is drawn as soon as the stylesheets are in,
    without waiting for the feed's request. About a sixth of the feed (no names, URLs,
    places or photos): each pole is four numbers of one flat list, in
    `FIRST_SCREEN_FIELDS` order, its mark a position in `sectors` (colour and letters),
    its status a position in `statuses`. Two queries, as the feed's poles and sectors.
    Safe to write in a script element as it is (SCRIPT_DATA_ESCAPES). "" for more than
    `limit` poles.
    """
    found = _map_poles(filterset, photos=False)
    if limit is not None and len(found.rows) > limit:
        return ""
    statuses = [value for value, _label in Pole.Status.choices]
    status_at = {value: position for position, value in enumerate(statuses)}
    numbers = []
    for row in found.rows:
        pk, _slug, _name, status, latitude, longitude, _seat, main_sector = row[:8]
        if latitude is None or longitude is None:
            continue
        ids = found.sector_ids.get(pk) or ()
        mark = found.rank.get(map_sector_id(main_sector, ids, found.rank))
        numbers.append(
            f"{float(longitude)!r},{float(latitude)!r},"
            f"{'null' if mark is None else mark},{status_at.get(status, 'null')}"
        )
    marks = filterset.sector_marks.values()
    sectors = json.dumps(
        [{"color": mark["color"], "letters": mark["letters"]} for mark in marks],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return (
        f'{{"format":"{FIRST_SCREEN_FORMAT}","fields":{json.dumps(FIRST_SCREEN_FIELDS)},'
        f'"sectors":{sectors.translate(SCRIPT_DATA_ESCAPES)},'
        f'"statuses":{json.dumps(statuses)},"poles":[{",".join(numbers)}]}}'
    )


# Beyond this many poles the first screen's poles are not written in the pages (about 24
# bytes each, 8 gzipped): the first screen then waits for the feed, as a filtered one.
FIRST_SCREEN_MAX_POLES = 10_000


def map_first_screen_poles() -> str:
    """`directory_map_first_screen` of every published pole (the unfiltered maps: the
    directory without filters, the home page, the embed), once per data version and
    language (the sectors' letters are translated); "" beyond FIRST_SCREEN_MAX_POLES."""

    def build():
        filterset = directory_filterset({})
        filterset.is_valid()
        return directory_map_first_screen(filterset, limit=FIRST_SCREEN_MAX_POLES)

    return versioned("map-first-screen", build, per_language=True)


@dataclass
class _MapPoles:
    rows: list  # (pk, slug, name, status, latitude, longitude, seat, main sector[, ids])
    sector_ids: dict  # pole id -> its sectors' ids
    rank: dict  # sector id -> its position in the reference list
    photos: dict  # pole id -> the JSON text of its popup photo, or ""


def _map_poles(filterset, *, photos: bool = True) -> _MapPoles:
    """What both map feeds read: the poles (by id: a map has no use for the list's
    order, and sorting 2,000 names cost as much as reading them), their sectors' ids and
    (unless `photos` is false) their first photos."""
    poles = filterset.qs.order_by("pk")
    located = poles.filter(latitude__isnull=False, longitude__isnull=False)
    annotations = {}
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        # The sectors' ids only: an index-only scan per pole, where their names in order
        # would cost a join and a sort per pole (`_sector_lists` names and orders them).
        links = Pole.sectors.through.objects.filter(pole_id=OuterRef("pk"))
        annotations["sector_ids"] = ArraySubquery(links.values("sector_id"))
    rows = list(
        poles.annotate(**annotations).values_list(
            "pk",
            "slug",
            "name",
            "status",
            "latitude",
            "longitude",
            "seat_commune_id",
            "main_sector_id",
            *annotations,
        )
    )
    if postgresql:
        sector_ids = {row[0]: row[-1] for row in rows}
    else:
        sector_ids = defaultdict(list)
        links = Pole.sectors.through.objects.filter(pole_id__in=located.values("pk"))
        for pole_id, sector_id in links.values_list("pole_id", "sector_id"):
            sector_ids[pole_id].append(sector_id)
    return _MapPoles(
        rows=rows,
        sector_ids=sector_ids,
        rank={pk: position for position, pk in enumerate(filterset.sector_marks)},
        photos=_popup_photos(located) if photos else {},
    )


def map_sector_id(main_sector_id: int | None, sector_ids, rank: dict[int, int]) -> int | None:
    """The sector whose colour and letters mark a pole on the maps: its main sector
    when one is recorded (editors choose it for that), otherwise the first of its
    sectors in the reference list's order (`rank`: position in that list)."""
    if main_sector_id is not None:
        return main_sector_id
    known = [pk for pk in sector_ids if pk in rank]
    return min(known, key=rank.__getitem__) if known else None


def _sector_marks(sector_marks: dict[int, dict]) -> dict[int, str]:
    """Per sector, the JSON text of the feed's "color" and "sector" properties."""
    return {
        pk: '"color":{},"sector":{}'.format(
            encode_basestring(mark["color"]),
            json.dumps(mark, ensure_ascii=False, separators=(",", ":")),
        )
        for pk, mark in sector_marks.items()
    }


# The JSON of the "commune" and "departement" properties of a pole without a seat.
NO_SEAT = '"","departement":""'


def _seat_places(codes: set) -> dict[str, str]:
    """For these seat communes' codes, the JSON text of the map feed's "commune" and
    "departement" properties (from the commune's name to the département's code)."""
    return _seat_json(codes, "seat-places", ',"departement":')


# The map feed's "commune" and "departement" cells of a pole without a seat.
NO_SEAT_CELLS = '"",""'


def _seat_cells(codes: set) -> dict[str, str]:
    """As `_seat_places`, for the maps' own feed: the JSON text of a pole's "commune"
    and "departement" cells (two items of its list)."""
    return _seat_json(codes, "seat-cells", ",")


def _seat_json(codes: set, name: str, between: str) -> dict[str, str]:
    """Per seat commune code, its name and its département's code as JSON strings,
    `between` them (cached as `name`).

    Communes change only when the geography is reloaded, and the poles' seats rarely:
    those of every pole are read once per data version (`versioned`), rather than
    joined from the 35,000 communes at each request (a quarter of the feed's time at
    2,000 poles). A seat set since that read, if any, is read on its own.
    """

    def read(communes):
        return {
            code: f"{encode_basestring(commune)}{between}{encode_basestring(departement)}"
            for code, commune, departement in communes.values_list("code", "name", "departement_id")
        }

    places = versioned(
        name,
        lambda: read(Commune.objects.filter(code__in=Pole.objects.values("seat_commune_id"))),
    )
    missing = codes - places.keys() - {None}
    if missing:
        places = {**places, **read(Commune.objects.filter(code__in=missing))}
    return places


def _sector_lists(sector_ids: dict, sector_labels: dict[int, str]) -> dict[int, str]:
    """Per pole, its sectors' labels as the inside of a JSON list, in the sectors' order.

    `sector_labels` is the filters' reference list (cached with the directory's data
    version): every sector's label in the visitor's language, in the sectors' order
    (`Sector.Meta.ordering`), so naming and ordering them costs no query.
    """
    rank = {pk: position for position, pk in enumerate(sector_labels)}
    names = {pk: encode_basestring(label) for pk, label in sector_labels.items()}
    lists = {}  # a few hundred combinations at most, each sorted and written once
    sectors_of = {}
    for pole_id, ids in sector_ids.items():
        key = tuple(ids)
        if key not in lists:
            # (A sector created since the reference list was read is left out.)
            ordered = sorted((pk for pk in key if pk in rank), key=rank.__getitem__)
            lists[key] = ",".join(names[pk] for pk in ordered)
        sectors_of[pole_id] = lists[key]
    return sectors_of


def _popup_photos(poles) -> dict[int, str]:
    """Per pole with photos, the JSON text of its first photo in its small rendition (the
    map's popup shows it), or "" when that rendition is missing. One query for all the
    poles: a subquery per pole (its first photo by position) cost twice the rest of the
    feed's query at 2,000 poles with photos."""
    storage = PolePhoto._meta.get_field("image_popup").storage
    photos = (
        PolePhoto.objects.filter(pole_id__in=poles.values("pk"))
        .order_by("pole_id", "position", "id")
        .values_list("pole_id", "image_popup", "alt_text")
    )
    first = {}
    for pole_id, image, alt in photos:
        if pole_id in first or not image:
            first.setdefault(pole_id, "")
            continue
        url, alt = encode_basestring(storage.url(image)), encode_basestring(alt or "")
        first[pole_id] = f'{{"url":{url},"alt":{alt}}}'
    return first
