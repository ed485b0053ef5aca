"""Reads for the API: each function returns what one endpoint shows, as plain rows
(dicts), in a number of queries that does not grow with the data.

Visibility is the public pages': published poles only; structures only through their
memberships of published poles; cooperators only as `members.selectors` summarises
them for a pole's page (organisations, and persons who consented to be named; no
contact detail ever). The poles' contact e-mail and phone are left out, as in the
open-data files: the pages are where people find them, not a bulk feed.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import get_language

from members.selectors import cooperator_summary
from poles.models import (
    Approval,
    HeadcountBand,
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
from territories.models import EPCI, Commune, Departement, Region


def is_english() -> bool:
    return (get_language() or "fr").startswith("en")


def label(name: str, name_en: str) -> str:
    """A reference item's name in the active language, as `ReferenceItem.label`."""
    return _label(name, name_en, is_english())


def _label(name: str, name_en: str, english: bool) -> str:
    """`label()` with the language already known (`is_english()`), for many rows."""
    return name_en if name_en and english else name


# Each choice's label (lazy: translated when shown), read once rather than rebuilt from
# the enumeration's `choices` for every row.
STATUS_LABELS = dict(Pole.Status.choices)
ROLE_LABELS = dict(Membership.Role.choices)
FAMILY_LABELS = dict(LegalForm.Family.choices)
NETWORK_KINDS = dict(Network.Kind.choices)


def _choice_label(labels: dict, value) -> str:
    return str(labels.get(value, value))


def _translated(labels: dict) -> dict:
    """Each choice's label in the active language, for the rows of one response."""
    return {value: str(text) for value, text in labels.items()}


@dataclass(frozen=True)
class Labels:
    """The labels of one response's structures and memberships, in the active
    language, translated once for all their rows."""

    english: bool
    families: dict
    roles: dict

    @classmethod
    def active(cls) -> "Labels":
        return cls(is_english(), _translated(FAMILY_LABELS), _translated(ROLE_LABELS))


def status(value: str) -> dict:
    return {"code": value, "label": _choice_label(STATUS_LABELS, value)}


def _place(code, name) -> dict | None:
    return {"code": code, "name": name} if code else None


def _number(value):
    return float(value) if value is not None else None


# --- Poles ------------------------------------------------------------------------------


def pole_ids(poles):
    """The ids of `poles` (what a valid directory FilterSet selects), in its order
    (stable: every sort ends with the id), as a lazy queryset to paginate, as the
    directory does (`poles.selectors.directory_pole_ids`): the paginator counts it
    (cached under the data version) and reads one page (`LIMIT`/`OFFSET`), where
    reading every id to slice them in Python grows with the poles (~5 ms at 2,000)."""
    return poles.values_list("pk", flat=True)


# The list's rows: published poles with their seat (commune, département, région) and
# their latest ETP (`PoleQuerySet.with_latest_etp()`: the ETP of the most recent year
# that has one), read by id as Poles (fields converted as the ORM converts them; the
# other columns as attributes), then their sectors. Written by hand for the reason
# given at POLE_LINKS_SQL: built by the ORM, these two queries cost ~2.5 ms of a list's
# ~5, against ~1 ms now.
POLE_ROWS_SQL = """
SELECT p.id, p.slug, p.name, p.summary, p.status, p.status_as_of, p.founded_year,
       p.closed_year, p.to_complete, p.latitude, p.longitude, p.website, p.updated_at,
       p.seat_commune_id, c.name AS seat_name, d.code AS departement_code,
       d.name AS departement_name, r.code AS region_code, r.name AS region_name,
       (SELECT k.etp FROM poles_keyfigure AS k
         WHERE k.pole_id = p.id AND k.etp IS NOT NULL ORDER BY k.year DESC LIMIT 1)
         AS latest_etp,
       (SELECT k.year FROM poles_keyfigure AS k
         WHERE k.pole_id = p.id AND k.etp IS NOT NULL ORDER BY k.year DESC LIMIT 1)
         AS latest_etp_year
  FROM poles_pole AS p
  LEFT JOIN territories_commune AS c ON c.code = p.seat_commune_id
  LEFT JOIN territories_departement AS d ON d.code = c.departement_id
  LEFT JOIN territories_region AS r ON r.code = d.region_id
 WHERE p.is_published AND p.id IN ({ids})
"""
POLE_ROWS_SECTORS_SQL = """
SELECT link.pole_id, s.slug, s.name, s.name_en
  FROM poles_pole_sectors AS link JOIN poles_sector AS s ON s.id = link.sector_id
 WHERE link.pole_id IN ({ids})
 ORDER BY s.position, s.name
"""


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def pole_rows(ids) -> list[dict]:
    """The list rows of the published poles `ids`, in that order: two queries (the
    poles with their seat and latest ETP; their sectors)."""
    ids = list(ids)
    if not ids:
        return []
    poles = Pole.objects.raw(POLE_ROWS_SQL.format(ids=_placeholders(ids)), ids)
    by_id = {pole.pk: pole for pole in poles}
    found = [pk for pk in ids if pk in by_id]  # a pole unpublished meanwhile is left out
    english = is_english()
    sectors = defaultdict(list)
    if found:
        with connection.cursor() as cursor:
            cursor.execute(POLE_ROWS_SECTORS_SQL.format(ids=_placeholders(found)), found)
            for pole_id, slug, name, name_en in cursor.fetchall():
                sectors[pole_id].append({"slug": slug, "label": _label(name, name_en, english)})
    statuses = _translated(STATUS_LABELS)
    return [_pole_row(by_id[pk], sectors[pk], statuses) for pk in found]


def _pole_row(pole: Pole, sectors: list[dict], statuses: dict) -> dict:
    return {
        "slug": pole.slug,
        "name": pole.name,
        "summary": pole.summary,
        "status": {"code": pole.status, "label": statuses.get(pole.status, pole.status)},
        "status_as_of": pole.status_as_of,
        "founded_year": pole.founded_year,
        "closed_year": pole.closed_year,
        "to_complete": pole.to_complete,
        "seat": {
            "commune": _place(pole.seat_commune_id, pole.seat_name),
            "departement": _place(pole.departement_code, pole.departement_name),
            "region": _place(pole.region_code, pole.region_name),
            "latitude": _number(pole.latitude),
            "longitude": _number(pole.longitude),
        },
        "sectors": sectors,
        "latest_etp": (
            {"value": _number(pole.latest_etp), "year": pole.latest_etp_year}
            if pole.latest_etp is not None
            else None
        ),
        "website": pole.website,
        "updated_at": pole.updated_at,
    }


# A published pole with its seat (commune, département, région), main sector and legal
# form joined, written by hand as POLE_LINKS_SQL below: read as a Pole (its fields
# converted as the ORM converts them; the joined columns as attributes), it costs a
# third of the same `values()` query built by the ORM. "Published" is
# `PoleQuerySet.published()`.
POLE_DETAIL_SQL = """
SELECT p.id, p.slug, p.name, p.summary, p.description, p.development_axes, p.status,
       p.status_as_of, p.founded_year, p.closed_year, p.to_complete, p.address,
       p.postal_code, p.latitude, p.longitude, p.website, p.logo, p.source, p.updated_at,
       p.seat_commune_id, c.name AS seat_name, d.code AS departement_code,
       d.name AS departement_name, r.code AS region_code, r.name AS region_name,
       s.slug AS main_sector_slug, s.name AS main_sector_name,
       s.name_en AS main_sector_name_en, f.slug AS legal_form_slug,
       f.name AS legal_form_name, f.name_en AS legal_form_name_en,
       f.abbreviation AS legal_form_abbreviation
  FROM poles_pole AS p
  LEFT JOIN territories_commune AS c ON c.code = p.seat_commune_id
  LEFT JOIN territories_departement AS d ON d.code = c.departement_id
  LEFT JOIN territories_region AS r ON r.code = d.region_id
  LEFT JOIN poles_sector AS s ON s.id = p.main_sector_id
  LEFT JOIN poles_legalform AS f ON f.id = p.legal_form_id
 WHERE p.slug = %s AND p.is_published
"""


def published_pole(slug: str) -> Pole | None:
    """The published pole `slug`, with what its detail shows (POLE_DETAIL_SQL), or
    None. Its other fields are deferred: read one, and it costs a query."""
    return next(iter(Pole.objects.raw(POLE_DETAIL_SQL, [slug])), None)


def pole_detail(pole: Pole) -> dict:
    """Everything a pole's page shows, as the API's detail, from its `published_pole()`:
    a fixed number of queries whatever the number of its members, figures or links."""
    english = is_english()
    return {
        "slug": pole.slug,
        "name": pole.name,
        "summary": pole.summary,
        "description": pole.description,
        "development_axes": pole.development_axes_list,
        "status": status(pole.status),
        "status_as_of": pole.status_as_of,
        "founded_year": pole.founded_year,
        "closed_year": pole.closed_year,
        "to_complete": pole.to_complete,
        "legal_form": (
            {
                "slug": pole.legal_form_slug,
                "label": _label(pole.legal_form_name, pole.legal_form_name_en, english),
                "abbreviation": pole.legal_form_abbreviation,
            }
            if pole.legal_form_slug is not None
            else None
        ),
        "seat": {
            "address": pole.address,
            "postal_code": pole.postal_code,
            "commune": _place(pole.seat_commune_id, pole.seat_name),
            "departement": _place(pole.departement_code, pole.departement_name),
            "region": _place(pole.region_code, pole.region_name),
            "latitude": _number(pole.latitude),
            "longitude": _number(pole.longitude),
        },
        "main_sector": (
            {
                "slug": pole.main_sector_slug,
                "label": _label(pole.main_sector_name, pole.main_sector_name_en, english),
            }
            if pole.main_sector_slug is not None
            else None
        ),
        "website": pole.website,
        "logo": pole.logo.url if pole.logo else None,
        "source": pole.source,
        "updated_at": pole.updated_at,
        **_pole_links(pole.pk, english),
        **_figures_and_sources(pole.pk),
        "photos": _photos(pole.pk),
        "members": pole_members(pole.pk),
        "cooperators": _cooperators(pole),
    }


# The pole's eight many-to-many lists in one query, written by hand as the pole's page
# does (poles.selectors.POLE_LINKS_SQL): built by the ORM, eight queries (or their
# UNION) cost far more to build and compile than PostgreSQL takes to run them. Its
# shape never changes. Columns: list, its sort keys (a number, then two texts), then
# what the API shows of an item (name, English name, slug or code, network kind). Each
# list keeps its order: sectors, pooling types and networks by position then name,
# recognitions by year then name, régions and départements by code, EPCIs and
# communes by name then code.
POLE_LINKS_SQL = """
SELECT 'sectors', s.position, s.name, '', s.name, s.name_en, s.slug, ''
  FROM poles_pole_sectors AS link JOIN poles_sector AS s ON s.id = link.sector_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'pooling_types', p.position, p.name, '', p.name, p.name_en, p.slug, ''
  FROM poles_pole_pooling_types AS link
  JOIN poles_poolingtype AS p ON p.id = link.poolingtype_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'recognitions', r.year, r.name, '', r.name, r.name_en, r.slug, ''
  FROM poles_pole_recognitions AS link
  JOIN poles_recognition AS r ON r.id = link.recognition_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'networks', n.position, n.name, '', n.name, n.name_en, n.slug, n.kind
  FROM poles_pole_networks AS link JOIN poles_network AS n ON n.id = link.network_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'regions', 0, r.code, '', r.name, '', r.code, ''
  FROM poles_pole_territory_regions AS link
  JOIN territories_region AS r ON r.code = link.region_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'departements', 0, d.code, '', d.name, '', d.code, ''
  FROM poles_pole_territory_departements AS link
  JOIN territories_departement AS d ON d.code = link.departement_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'epcis', 0, e.name, e.code, e.name, '', e.code, ''
  FROM poles_pole_territory_epcis AS link JOIN territories_epci AS e ON e.code = link.epci_id
 WHERE link.pole_id = %s
UNION ALL
SELECT 'communes', 0, c.name, c.code, c.name, '', c.code, ''
  FROM poles_pole_territory_communes AS link
  JOIN territories_commune AS c ON c.code = link.commune_id
 WHERE link.pole_id = %s
ORDER BY 1, 2, 3, 4
"""
POLE_LINKS = (
    "sectors",
    "pooling_types",
    "recognitions",
    "networks",
    "regions",
    "departements",
    "epcis",
    "communes",
)


def _pole_links(pole_id: int, english: bool) -> dict:
    """The pole's reference lists and territory of action, in one query."""
    rows = {link: [] for link in POLE_LINKS}
    with connection.cursor() as cursor:
        cursor.execute(POLE_LINKS_SQL, [pole_id] * len(POLE_LINKS))
        for link, number, _key, _key2, *columns in cursor.fetchall():
            rows[link].append((number, *columns))
    kinds = _translated(NETWORK_KINDS)
    return {
        "sectors": [
            {"slug": s, "label": _label(n, e, english)} for _, n, e, s, _k in rows["sectors"]
        ],
        "pooling_types": [
            {"slug": s, "label": _label(n, e, english)} for _, n, e, s, _k in rows["pooling_types"]
        ],
        "recognitions": [
            {"slug": s, "label": _label(n, e, english), "year": year}
            for year, n, e, s, _k in rows["recognitions"]
        ],
        "networks": [
            {
                "slug": s,
                "label": _label(n, e, english),
                "kind": {"code": kind, "label": kinds.get(kind, kind)},
            }
            for _, n, e, s, kind in rows["networks"]
        ],
        "territory_of_action": {
            place: [{"code": code, "name": name} for _, name, _e, code, _k in rows[place]]
            for place in ("regions", "departements", "epcis", "communes")
        },
    }


def _places(queryset) -> list[dict]:
    return [{"code": code, "name": name} for code, name in queryset.values_list("code", "name")]


# A pole's key figures (the latest year first), its sources and its photos (in their
# order): flat reads, written by hand for the reason given at POLE_LINKS_SQL.
KEY_FIGURES_SQL = """
SELECT year, etp, turnover, member_structures_count, cooperators_count, is_approximate,
       note, source
  FROM poles_keyfigure
 WHERE pole_id = %s
 ORDER BY year DESC
"""
SOURCES_SQL = """
SELECT citation, url, year FROM poles_polesource WHERE pole_id = %s ORDER BY position, id
"""


def _figures_and_sources(pole_id: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(KEY_FIGURES_SQL, [pole_id])
        figures = cursor.fetchall()
        cursor.execute(SOURCES_SQL, [pole_id])
        sources = cursor.fetchall()
    return {
        "key_figures": [
            {
                "year": year,
                "etp": _number(etp),
                "turnover": turnover,
                "member_structures": structures,
                "cooperators": cooperators,
                "is_approximate": bool(approximate),  # SQLite's raw rows hold 0 or 1
                "note": note,
                "source": source,
            }
            for year, etp, turnover, structures, cooperators, approximate, note, source in figures
        ],
        "sources": [
            {"citation": citation, "url": url, "year": year} for citation, url, year in sources
        ],
    }


# A pole's photos in their order, read as PolePhotos (their URLs are the model's).
PHOTOS_SQL = """
SELECT id, image, image_page, page_width, page_height, alt_text, caption, credit
  FROM poles_polephoto
 WHERE pole_id = %s
 ORDER BY position, id
"""


def _photos(pole_id: int) -> list[dict]:
    return [
        {
            "url": photo.page_url,
            "width": photo.page_width,
            "height": photo.page_height,
            "alt": photo.alt_text,
            "caption": photo.caption,
            "credit": photo.credit,
        }
        for photo in PolePhoto.objects.raw(PHOTOS_SQL, [pole_id])
    ]


def _cooperators(pole: Pole) -> dict:
    summary = cooperator_summary(pole)
    return {
        "total": summary.total,
        "organisations": summary.organisations,
        "person_count": summary.person_count,
        "named_persons": summary.named_persons,
        "colleges": [
            {
                "name": row["college"]["name"],
                "vote_weight": _number(row["college"]["vote_weight"]),
                "cooperator_count": row["count"],
            }
            for row in summary.colleges
        ],
    }


# A pole's memberships with their structures (commune, legal form and headcount band
# joined), then those structures' approvals, written by hand as POLE_LINKS_SQL and for
# the same reason: built by the ORM (fifteen joined lookups), they took longer to
# build than to run. Memberships in the order of the pole's page (role, structure's
# name, membership); the structure's columns are STRUCTURE_FIELDS' (but `pk`), in
# their order.
POLE_MEMBERS_SQL = """
SELECT m.structure_id, m.role, m.joined_year, m.left_year,
       s.name, s.siret, s.website, s.etp, s.turnover, s.figures_year, s.commune_id, c.name,
       lf.slug, lf.name, lf.name_en, lf.abbreviation, lf.family, hb.code, hb.label
  FROM poles_membership AS m
  JOIN poles_structure AS s ON s.id = m.structure_id
  LEFT JOIN territories_commune AS c ON c.code = s.commune_id
  LEFT JOIN poles_legalform AS lf ON lf.id = s.legal_form_id
  LEFT JOIN poles_headcountband AS hb ON hb.id = s.headcount_band_id
 WHERE m.pole_id = %s
 ORDER BY m.role, s.name, m.id
"""
POLE_APPROVALS_SQL = """
SELECT link.structure_id, a.slug, a.name, a.name_en, a.abbreviation, a.is_iae
  FROM poles_structure_approvals AS link
  JOIN poles_approval AS a ON a.id = link.approval_id
 WHERE link.structure_id IN (SELECT structure_id FROM poles_membership WHERE pole_id = %s)
 ORDER BY a.position, a.name
"""


def pole_members(pole_id: int) -> list[dict]:
    """Every membership of the pole (current and past, as its page lists them), with
    its structure: two queries (the memberships with their structures; the
    structures' approvals)."""
    labels = Labels.active()
    with connection.cursor() as cursor:
        cursor.execute(POLE_MEMBERS_SQL, [pole_id])
        rows = cursor.fetchall()
        cursor.execute(POLE_APPROVALS_SQL, [pole_id])
        approvals = _approval_items(cursor.fetchall(), labels.english)
    members = []
    for structure_id, role, joined_year, left_year, *columns in rows:
        structure = dict(zip(STRUCTURE_FIELDS[1:], columns, strict=True))
        members.append(
            {
                "structure": _structure(structure, structure_id, approvals, labels),
                "role": {"code": role, "label": labels.roles.get(role, role)},
                "joined_year": joined_year,
                "left_year": left_year,
            }
        )
    return members


# --- Structures ---------------------------------------------------------------------------


STRUCTURE_FIELDS = (
    "pk",
    "name",
    "siret",
    "website",
    "etp",
    "turnover",
    "figures_year",
    "commune_id",
    "commune__name",
    "legal_form__slug",
    "legal_form__name",
    "legal_form__name_en",
    "legal_form__abbreviation",
    "legal_form__family",
    "headcount_band__code",
    "headcount_band__label",
)


def public_structures():
    """Structures with a membership (current or past) of a published pole: those a
    public page shows."""
    return Structure.objects.filter(
        Exists(Membership.objects.filter(structure=OuterRef("pk"), pole__is_published=True))
    )


def structure_rows(ids) -> list[dict]:
    """The structures `ids` (public ones), in that order, each with its approvals and
    its memberships of published poles: three queries."""
    rows = public_structures().filter(pk__in=list(ids)).order_by().values(*STRUCTURE_FIELDS)
    by_id = {row["pk"]: row for row in rows}
    labels = Labels.active()
    approvals = _approvals(by_id, labels.english)
    poles = defaultdict(list)
    memberships = (
        Membership.objects.filter(structure_id__in=list(by_id), pole__is_published=True)
        .order_by("pole__sort_name", "pole_id", "role", "pk")
        .values_list("structure_id", "pole__slug", "pole__name", "role", "joined_year", "left_year")
    )
    for structure_id, slug, name, role, joined, left in memberships:
        poles[structure_id].append(
            {
                "slug": slug,
                "name": name,
                "role": {"code": role, "label": labels.roles.get(role, role)},
                "joined_year": joined,
                "left_year": left,
            }
        )
    result = []
    for pk in ids:
        if pk in by_id:
            structure = _structure(by_id[pk], pk, approvals, labels)
            structure["poles"] = poles[pk]
            result.append(structure)
    return result


def _approvals(structure_ids, english: bool) -> dict[int, list[dict]]:
    if not structure_ids:
        return defaultdict(list)
    pairs = (
        Structure.approvals.through.objects.filter(structure_id__in=list(structure_ids))
        .order_by("approval__position", "approval__name")
        .values_list(
            "structure_id",
            "approval__slug",
            "approval__name",
            "approval__name_en",
            "approval__abbreviation",
            "approval__is_iae",
        )
    )
    return _approval_items(pairs, english)


def _approval_items(pairs, english: bool) -> dict[int, list[dict]]:
    """(structure id, slug, name, English name, abbreviation, is IAE) rows in order, as
    each structure's list of approvals."""
    approvals = defaultdict(list)
    for structure_id, slug, name, name_en, abbreviation, is_iae in pairs:
        approvals[structure_id].append(
            {
                "slug": slug,
                "label": _label(name, name_en, english),
                "abbreviation": abbreviation,
                "is_iae": bool(is_iae),  # SQLite's raw rows hold 0 or 1
            }
        )
    return approvals


def _structure(row: dict, pk: int, approvals, labels: Labels) -> dict:
    """The structure `pk` from `row`, a dict of STRUCTURE_FIELDS."""
    legal_form = None
    if row["legal_form__slug"]:
        family = row["legal_form__family"]
        legal_form = {
            "slug": row["legal_form__slug"],
            "label": _label(row["legal_form__name"], row["legal_form__name_en"], labels.english),
            "abbreviation": row["legal_form__abbreviation"],
            "family": {"code": family, "label": labels.families.get(family, family)},
        }
    band = None
    if row["headcount_band__code"]:
        band = {"code": row["headcount_band__code"], "label": row["headcount_band__label"]}
    return {
        "id": pk,
        "name": row["name"],
        "siret": row["siret"],
        "legal_form": legal_form,
        "headcount_band": band,
        "approvals": approvals.get(pk, []),
        "etp": _number(row["etp"]),
        "turnover": row["turnover"],
        "figures_year": row["figures_year"],
        "commune": _place(row["commune_id"], row["commune__name"]),
        "website": row["website"],
    }


# --- Territories ----------------------------------------------------------------------------


def _coverage_counts(field: str) -> dict[str, int]:
    """Published poles present (seated or acting) per région or département code."""
    rows = (
        PoleCoverage.objects.filter(pole__is_published=True)
        .order_by()
        .values(field)
        .annotate(n=Count("pole_id", distinct=True))
        .values_list(field, "n")
    )
    return dict(rows)


def regions() -> list[dict]:
    counts = _coverage_counts("region_id")
    return [
        _region(region, counts.get(region.code, 0)) for region in Region.objects.order_by("code")
    ]


def _region(region: Region, pole_count: int) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "slug": region.slug,
        "zone": {"code": region.zone, "label": region.get_zone_display()},
        "pole_count": pole_count,
    }


def region_detail(region: Region) -> dict:
    poles = Pole.objects.published().in_region(region.code)
    return {
        **_region(region, poles.count()),
        "departements": _places(region.departements.order_by("code")),
        "poles": pole_refs(poles),
    }


def departements() -> list[dict]:
    counts = _coverage_counts("departement_id")
    return [
        _departement(departement, counts.get(departement.code, 0))
        for departement in Departement.objects.select_related("region").order_by("code")
    ]


def _departement(departement: Departement, pole_count: int) -> dict:
    return {
        "code": departement.code,
        "name": departement.name,
        "slug": departement.slug,
        "region": {"code": departement.region.code, "name": departement.region.name},
        "zone": {"code": departement.zone, "label": departement.get_zone_display()},
        "pole_count": pole_count,
    }


def departement_detail(departement: Departement) -> dict:
    poles = Pole.objects.published().in_departement(departement.code)
    return {**_departement(departement, poles.count()), "poles": pole_refs(poles)}


def epcis(departement: str | None = None):
    queryset = EPCI.objects.order_by("name", "code")
    if departement:
        queryset = queryset.filter(departements=departement)
    return queryset


def epci_rows(epcis_page) -> list[dict]:
    codes = [epci.code for epci in epcis_page]
    departements_of = defaultdict(list)
    links = (
        EPCI.departements.through.objects.filter(epci_id__in=codes)
        .order_by("departement_id")
        .values_list("epci_id", "departement_id")
    )
    for epci_code, departement_code in links:
        departements_of[epci_code].append(departement_code)
    return [
        {
            "code": epci.code,
            "name": epci.name,
            "kind": epci.kind,
            "departements": departements_of[epci.code],
        }
        for epci in epcis_page
    ]


def poles_in_epci(epci: EPCI):
    """Published poles seated in one of the EPCI's communes, acting on the EPCI, or on
    one of its communes."""
    poles = Pole.objects.published()
    return poles.filter(
        Q(seat_commune__epci=epci)
        | poles.linked_through("territory_epcis", epci=epci)
        | poles.linked_through("territory_communes", commune__epci=epci)
    )


def epci_detail(epci: EPCI) -> dict:
    return {**epci_rows([epci])[0], "poles": pole_refs(poles_in_epci(epci))}


def communes(*, departement: str | None = None, search: str | None = None):
    queryset = Commune.objects.all()
    if departement:
        queryset = queryset.filter(departement_id=departement)
    if search:
        queryset = queryset.search(search)
    return queryset.order_by("code")


def commune_row(commune: Commune) -> dict:
    return {
        "code": commune.code,
        "name": commune.name,
        "kind": {"code": commune.kind, "label": commune.get_kind_display()},
        "departement": commune.departement_id,
        "epci": commune.epci_id,
        "parent": commune.parent_id,
        "postal_codes": commune.postal_codes.split(),
        "population": commune.population,
        "latitude": _number(commune.latitude),
        "longitude": _number(commune.longitude),
        "is_current": commune.is_current,
    }


def commune_detail(commune: Commune) -> dict:
    poles = Pole.objects.published().covering_commune(commune)
    return {**commune_row(commune), "poles": pole_refs(poles)}


def pole_refs(poles) -> list[dict]:
    """Slug and name of `poles`, in the directory's order: one query."""
    return [
        {"slug": slug, "name": name}
        for slug, name in poles.order_by("sort_name", "pk").values_list("slug", "name")
    ]


# --- Reference lists ----------------------------------------------------------------------


def sectors() -> list[dict]:
    counted = Sector.objects.annotate(
        pole_count=Count("poles", filter=Q(poles__is_published=True), distinct=True)
    ).order_by("position", "name")
    return [
        {
            "slug": sector.slug,
            "label": sector.label,
            "description": sector.description,
            "color": sector.color,
            "pole_count": sector.pole_count,
        }
        for sector in counted
    ]


def reference_items(model) -> list[dict]:
    """A short reference list (pooling types, networks, recognitions, legal forms,
    approvals) in its order, each item with its own facts."""
    items = []
    for item in model.objects.all():
        row = {"slug": item.slug, "label": item.label, "description": item.description}
        if model is PoolingType:
            row["survey_share"] = _number(item.survey_share)
        elif model is Network:
            row["kind"] = {"code": item.kind, "label": item.get_kind_display()}
            row["website"] = item.website
        elif model is Recognition:
            row.update(
                year=item.year,
                announced=item.announced,
                laureate_count=item.laureate_count,
                source=item.source,
            )
        elif model is LegalForm:
            row["abbreviation"] = item.abbreviation
            row["family"] = {"code": item.family, "label": item.get_family_display()}
        elif model is Approval:
            row["abbreviation"] = item.abbreviation
            row["is_iae"] = item.is_iae
        items.append(row)
    return items


def headcount_bands() -> list[dict]:
    return [
        {
            "code": band.code,
            "label": band.label,
            "min_employees": band.min_employees,
            "max_employees": band.max_employees,
        }
        for band in HeadcountBand.objects.all()
    ]


def statuses() -> list[dict]:
    return [status(value) for value in Pole.Status.values]
