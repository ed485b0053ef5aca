"""Open data: the CSV exports, their Table Schema and the conditional-request helpers.

The columns of each export are declared once, in `POLE_COLUMNS` and
`STRUCTURE_COLUMNS`: the CSV writers, the Table Schema served as JSON
(`/donnees/schema-*.json`, frictionless "Table Schema" format) and the table of the
`/donnees/` page all read them, so the documentation cannot drift from the files.

Each export is one SQL query whatever the number of rows: multi-valued columns
(sectors, pooling types…) are aggregated in the database by `PipeJoined`
(GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL) inside correlated subqueries,
and the latest key figures and the animator come from subqueries too. Rows are read
with `.iterator()` and written one by one to a `StreamingHttpResponse`, so memory
stays constant whatever the number of poles.

Personal data cannot appear (cooperators may be natural persons, named publicly only
on a pole's page and only with their consent): no column reads a cooperator, and only
the organisations' own public facts (names, SIRET, web sites) are exported. The poles'
contact e-mail and phone are left out too: they are an organisation's, but the
directory's pages are where people should find them, not a bulk file.
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC

import orjson
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from caching import release
from poles.constants import YEAR_MAX, YEAR_MIN
from poles.models import KeyFigure, LegalForm, Membership, Pole, Structure
from spreadsheets.cells import CSV_DIALECTS, LIST_SEPARATOR, PLAIN_CSV, CsvDialect

LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
# Rows fetched per database round trip when streaming (server-side cursor on PostgreSQL).
CHUNK_SIZE = 500

# The Table Schema's `pattern` constraints, in the portable dialect that Table Schema v1
# prescribes (XML Schema regular expressions): a pattern always matches the whole
# value, so no `^`/`$` anchors (XML Schema reads them as the characters themselves),
# and groups are plain `(…)` (no `(?:…)`, no look-around, no lazy `+?`). Python reads
# them the same way with `re.fullmatch`; a top-level alternation is still grouped,
# for the consumers (frictionless among them) that anchor with `^…$` around it.
# INSEE codes, as in the territories app.
COMMUNE_PATTERN = r"([0-9]{2}|2[AB])[0-9]{3}"
DEPARTEMENT_PATTERN = r"([0-9]{2}|2[AB]|97[0-9])"
REGION_PATTERN = r"[0-9]{2}"
SLUG_PATTERN = r"[a-zA-Z0-9_\-]+"
SLUG_LIST_PATTERN = r"([a-z0-9\-]+(\|[a-z0-9\-]+)*)?"
SIRET_PATTERN = r"[0-9]{14}"
HEADCOUNT_BAND_PATTERN = r"(NN|[0-9]{2})"


class PipeJoined(Aggregate):
    """The values of a group joined with `|`, on SQLite (GROUP_CONCAT) and PostgreSQL
    (STRING_AGG). The order of the values is not guaranteed by either database, so
    callers sort them in Python (`split_sorted`)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, '|')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def joined(model, fk: str, value, **filters) -> Subquery:
    """A correlated subquery: `value` over the rows of `model` whose `fk` is the outer
    row, joined with `|` (NULL when there is none)."""
    return Subquery(
        model.objects.filter(**{fk: OuterRef("pk")}, **filters)
        .order_by()
        .values(fk)
        .annotate(joined=PipeJoined(value))
        .values("joined")[:1],
        output_field=TextField(),
    )


def split_sorted(value: str | None) -> list[str]:
    """The distinct values of a `PipeJoined` result, sorted (the database's order is not
    stable)."""
    if not value:
        return []
    return sorted(set(value.split(LIST_SEPARATOR)))


# --- Columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an export: its Table Schema description and how to read its value
    from a row of the export's `values()` query."""

    name: str
    title: object  # lazy translation
    description: object  # lazy translation
    type: str = "string"
    format: str = "default"
    constraints: dict = field(default_factory=dict)
    value: Callable[[dict], object] | None = None
    source: str | None = None  # the row's key, when it is not the column's name

    def read(self, row: dict):
        return self.value(row) if self.value else row.get(self.source or self.name)

    @property
    def is_numeric(self) -> bool:
        return self.type in ("number", "integer", "year")

    def schema(self) -> dict:
        described = {
            "name": self.name,
            "title": str(self.title),
            "description": str(self.description),
            "type": self.type,
            "format": self.format,
        }
        if self.constraints:
            described["constraints"] = self.constraints
        return described


def _year(**constraints) -> dict:
    return {"minimum": YEAR_MIN, "maximum": YEAR_MAX, **constraints}


def _utc_iso(value) -> str | None:
    # Table Schema's default datetime format: ISO 8601 in UTC with a "Z".
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _list(name: str) -> Callable[[dict], list[str]]:
    return lambda row: split_sorted(row.get(name))


def _pole_url(row: dict) -> str:
    return row["base_url"] + reverse("poles:detail", kwargs={"slug": row["slug"]})


POLE_COLUMNS = [
    Column(
        "slug",
        _("Identifier"),
        _("The pole's stable identifier, as in its address on the directory."),
        constraints={"required": True, "unique": True, "pattern": SLUG_PATTERN},
    ),
    Column("name", _("Name"), _("The pole's name."), constraints={"required": True}),
    Column(
        "status",
        _("Status"),
        _(
            "emergence (emerging), actif (active), en-sommeil (dormant), ferme (closed) or "
            "a-confirmer (status not confirmed: no dated source says the pole is at work)."
        ),
        constraints={"required": True, "enum": list(Pole.Status.values)},
    ),
    Column(
        "founded_year",
        _("Founding year"),
        _("The year the pole was founded, when known."),
        type="year",
        constraints=_year(),
    ),
    Column(
        "closed_year",
        _("Closing year"),
        _("The year the pole closed, for closed poles."),
        type="year",
        constraints=_year(),
    ),
    Column(
        "legal_form",
        _("Legal form of the pole"),
        _(
            "Identifier (slug) of the pole's legal form when the pole is itself a legal entity "
            "(scic, association…); empty otherwise."
        ),
        value=lambda row: row["legal_form__slug"],
    ),
    Column(
        "commune",
        _("Seat commune (INSEE code)"),
        _("INSEE code of the commune of the pole's seat (not its postal code)."),
        constraints={"pattern": COMMUNE_PATTERN},
        value=lambda row: row["seat_commune_id"],
    ),
    Column(
        "commune_name",
        _("Seat commune"),
        _("Name of the commune of the pole's seat."),
        value=lambda row: row["seat_commune__name"],
    ),
    Column(
        "departement",
        _("Département (INSEE code)"),
        _("INSEE code of the département of the seat: 2A and 2B for Corsica, 971–976 overseas."),
        constraints={"pattern": DEPARTEMENT_PATTERN},
        value=lambda row: row["seat_commune__departement_id"],
    ),
    Column(
        "region",
        _("Région (INSEE code)"),
        _("INSEE code of the région of the seat."),
        constraints={"pattern": REGION_PATTERN},
        value=lambda row: row["seat_commune__departement__region_id"],
    ),
    Column(
        "latitude",
        _("Latitude"),
        _("Latitude of the seat (WGS 84, decimal degrees)."),
        type="number",
        constraints={"minimum": -90, "maximum": 90},
    ),
    Column(
        "longitude",
        _("Longitude"),
        _("Longitude of the seat (WGS 84, decimal degrees)."),
        type="number",
        constraints={"minimum": -180, "maximum": 180},
    ),
    Column(
        "sectors",
        _("Activity sectors"),
        _("Identifiers (slugs) of the pole's activity sectors, separated by |."),
        constraints={"pattern": SLUG_LIST_PATTERN},
        value=_list("sector_slugs"),
    ),
    Column(
        "pooling_types",
        _("Pooling types"),
        _("Identifiers (slugs) of what the pole's members pool, separated by |."),
        constraints={"pattern": SLUG_LIST_PATTERN},
        value=_list("pooling_slugs"),
    ),
    Column(
        "networks",
        _("Networks"),
        _("Identifiers (slugs) of the networks and learning communities, separated by |."),
        constraints={"pattern": SLUG_LIST_PATTERN},
        value=_list("network_slugs"),
    ),
    Column(
        "recognitions",
        _("Recognitions"),
        _("Identifiers (slugs) of national recognitions (calls for projects), separated by |."),
        constraints={"pattern": SLUG_LIST_PATTERN},
        value=_list("recognition_slugs"),
    ),
    Column(
        "figures_year",
        _("Year of the key figures"),
        _("The most recent year with key figures; the four next columns are for this year."),
        type="year",
        constraints=_year(),
        source="export_figures_year",
    ),
    Column(
        "etp",
        _("Jobs (ETP)"),
        _("Full-time equivalent jobs consolidated by the pole, in the year of the figures."),
        type="number",
        constraints={"minimum": 0},
        source="export_etp",
    ),
    Column(
        "turnover",
        _("Turnover (€)"),
        _("Consolidated turnover in euros, in the year of the figures."),
        type="integer",
        constraints={"minimum": 0},
        source="export_turnover",
    ),
    Column(
        "member_structures",
        _("Member structures"),
        _("Number of member structures declared, in the year of the figures."),
        type="integer",
        constraints={"minimum": 0},
        source="export_member_structures",
    ),
    Column(
        "cooperators",
        _("Cooperators"),
        _("Number of cooperators (associates), in the year of the figures."),
        type="integer",
        constraints={"minimum": 0},
        source="export_cooperators",
    ),
    Column(
        "animator",
        _("Animating structure"),
        _("Name of the structure that currently animates (carries) the pole."),
        source="export_animator",
    ),
    Column(
        "animator_siret",
        _("SIRET of the animating structure"),
        _("SIRET number (14 digits) of the animating structure, when it has one."),
        constraints={"pattern": SIRET_PATTERN},
        source="export_animator_siret",
    ),
    Column("website", _("Website"), _("The pole's own website."), format="uri"),
    Column(
        "url",
        _("Page on the directory"),
        _("Address of the pole's page on this directory."),
        format="uri",
        constraints={"required": True},
        value=_pole_url,
    ),
    Column(
        "updated_at",
        _("Last updated"),
        _("When the pole's record was last changed (ISO 8601, UTC)."),
        type="datetime",
        constraints={"required": True},
        value=lambda row: _utc_iso(row["updated_at"]),
    ),
]

STRUCTURE_COLUMNS = [
    Column("name", _("Name"), _("The structure's name."), constraints={"required": True}),
    Column(
        "siret",
        _("SIRET"),
        _("SIRET number (14 digits), when the structure has one."),
        constraints={"pattern": SIRET_PATTERN},
    ),
    Column(
        "legal_form",
        _("Legal form"),
        _("Identifier (slug) of the legal form: association, scic, sarl…"),
        value=lambda row: row["legal_form__slug"],
    ),
    Column(
        "legal_form_family",
        _("Family of legal form"),
        _(
            "association, cooperative, mutual, foundation, company (commercial company), "
            "public (public body or local authority) or other."
        ),
        constraints={"enum": list(LegalForm.Family.values)},
        value=lambda row: row["legal_form__family"],
    ),
    Column(
        "approvals",
        _("Approvals"),
        _(
            "Identifiers (slugs) of the structure's approvals, separated by |: the insertion "
            "(IAE) ones are aci, ai, ei and etti."
        ),
        constraints={"pattern": SLUG_LIST_PATTERN},
        value=_list("approval_slugs"),
    ),
    Column(
        "headcount_band",
        _("Headcount band (INSEE code)"),
        _("INSEE code of the headcount band (tranche d'effectif salarié), e.g. 03 for 6 to 9."),
        constraints={"pattern": HEADCOUNT_BAND_PATTERN},
        value=lambda row: row["headcount_band__code"],
    ),
    Column(
        "etp",
        _("Jobs (ETP)"),
        _("Full-time equivalent jobs, in the year of the figures."),
        type="number",
        constraints={"minimum": 0},
    ),
    Column(
        "turnover",
        _("Turnover (€)"),
        _("Turnover in euros, in the year of the figures."),
        type="integer",
        constraints={"minimum": 0},
    ),
    Column(
        "figures_year",
        _("Year of the figures"),
        _("The year of the ETP and turnover figures."),
        type="year",
        constraints=_year(),
    ),
    Column(
        "commune",
        _("Commune (INSEE code)"),
        _("INSEE code of the structure's commune."),
        constraints={"pattern": COMMUNE_PATTERN},
        value=lambda row: row["commune_id"],
    ),
    Column(
        "poles",
        _("Poles"),
        _(
            "Identifiers (slugs) of the published poles the structure currently belongs to, "
            "separated by |."
        ),
        constraints={"required": True},
        value=_list("pole_slugs"),
    ),
    Column(
        "roles",
        _("Roles"),
        _(
            "The structure's current roles, as pole:role pairs separated by |; a role is "
            "founder, animator, member or partner."
        ),
        value=_list("role_pairs"),
    ),
]


# --- Queries ------------------------------------------------------------------------------


def _latest_figures():
    return KeyFigure.objects.filter(pole=OuterRef("pk")).order_by("-year")


def pole_rows(poles) -> Iterator[dict]:
    """The export's rows for `poles` (a queryset of published poles), in one query."""
    latest = _latest_figures()
    animator = Membership.objects.filter(
        pole=OuterRef("pk"), role=Membership.Role.ANIMATOR, left_year__isnull=True
    )
    queryset = poles.annotate(
        sector_slugs=joined(Pole.sectors.through, "pole", F("sector__slug")),
        pooling_slugs=joined(Pole.pooling_types.through, "pole", F("poolingtype__slug")),
        network_slugs=joined(Pole.networks.through, "pole", F("network__slug")),
        recognition_slugs=joined(Pole.recognitions.through, "pole", F("recognition__slug")),
        # Prefixed: the names must not clash with the model's fields and relations, nor
        # with the directory's own annotations (latest_etp when sorting by ETP).
        export_figures_year=Subquery(latest.values("year")[:1]),
        export_etp=Subquery(latest.values("etp")[:1]),
        export_turnover=Subquery(latest.values("turnover")[:1]),
        export_member_structures=Subquery(latest.values("member_structures_count")[:1]),
        export_cooperators=Subquery(latest.values("cooperators_count")[:1]),
        export_animator=Subquery(animator.values("structure__name")[:1]),
        export_animator_siret=Subquery(animator.values("structure__siret")[:1]),
    ).values(
        "slug",
        "name",
        "status",
        "founded_year",
        "closed_year",
        "legal_form__slug",
        "seat_commune_id",
        "seat_commune__name",
        "seat_commune__departement_id",
        "seat_commune__departement__region_id",
        "latitude",
        "longitude",
        "sector_slugs",
        "pooling_slugs",
        "network_slugs",
        "recognition_slugs",
        "export_figures_year",
        "export_etp",
        "export_turnover",
        "export_member_structures",
        "export_cooperators",
        "export_animator",
        "export_animator_siret",
        "website",
        "updated_at",
    )
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def structures_of(poles):
    """The structures currently members (any role) of `poles`."""
    return Structure.objects.filter(
        Exists(
            Membership.objects.filter(
                structure=OuterRef("pk"),
                left_year__isnull=True,
                pole__in=poles.order_by().values("pk"),
            )
        )
    )


def structure_rows(poles) -> Iterator[dict]:
    """The rows of the structures export for the structures of `poles`, in one query."""
    current = {"left_year__isnull": True, "pole__is_published": True}
    queryset = (
        structures_of(poles)
        .annotate(
            approval_slugs=joined(Structure.approvals.through, "structure", F("approval__slug")),
            pole_slugs=joined(Membership, "structure", F("pole__slug"), **current),
            role_pairs=joined(
                Membership,
                "structure",
                Concat(F("pole__slug"), Value(":"), F("role"), output_field=TextField()),
                **current,
            ),
        )
        .order_by("name", "pk")
        .values(
            "name",
            "siret",
            "legal_form__slug",
            "legal_form__family",
            "approval_slugs",
            "headcount_band__code",
            "etp",
            "turnover",
            "figures_year",
            "commune_id",
            "pole_slugs",
            "role_pairs",
        )
    )
    return queryset.iterator(chunk_size=CHUNK_SIZE)


# --- Values and files -----------------------------------------------------------------


def typed_record(columns: list[Column], row: dict) -> dict:
    """A row as typed values (numbers, lists, None): the GeoJSON export's properties."""
    record = {}
    for column in columns:
        value = column.read(row)
        if value == "":
            value = None  # the CSV's missing value ("") is JSON's null
        elif value is not None and column.type == "number":
            value = float(value)
        record[column.name] = value
    return record


class _Echo:
    """A file-like object whose write() hands the line back: csv.writer then yields
    each line to the streaming response instead of buffering the file."""

    def write(self, value):
        return value


def csv_lines(
    columns: list[Column],
    rows: Iterable[dict],
    *,
    dialect: CsvDialect | str = PLAIN_CSV,
    **extra,
) -> Iterator[str]:
    """The CSV text, line by line: a header of column names, then one line per row.

    The plain dialect: UTF-8 without a byte order mark, commas and CRLF line ends
    (RFC 4180), what data portals, programs and the Table Schemas expect. `excel-fr`
    (`?format=excel`): a byte order mark, `;` and decimal commas, what French Excel
    opens with a double-click (spreadsheets.cells.CsvDialect). Either is encoded as
    UTF-8 by the caller.
    """
    if isinstance(dialect, str):
        dialect = CSV_DIALECTS[dialect]
    writer = dialect.writer(_Echo())
    yield dialect.preamble + writer.writerow([column.name for column in columns])
    for row in rows:
        row.update(extra)
        yield writer.writerow(
            [dialect.cell(column.read(row), numeric=column.is_numeric) for column in columns]
        )


def geojson_chunks(poles, *, base_url: str) -> Iterator[str]:
    """The poles as an RFC 7946 FeatureCollection whose properties are the CSV's columns
    (typed: numbers, lists, null), streamed feature by feature: one feature per pole,
    like the CSV's rows. A pole without a seat position is an unlocated feature
    (`"geometry": null`, RFC 7946 §3.2); `poles_without_position` counts them."""
    yield '{"type":"FeatureCollection","features":['
    separator = ""
    without_position = 0
    for row in pole_rows(poles):
        row["base_url"] = base_url
        if row["latitude"] is None or row["longitude"] is None:
            geometry = None
            without_position += 1
        else:
            # RFC 7946: longitude first.
            geometry = {
                "type": "Point",
                "coordinates": [float(row["longitude"]), float(row["latitude"])],
            }
        feature = {
            "type": "Feature",
            "id": row["slug"],
            "geometry": geometry,
            "properties": typed_record(POLE_COLUMNS, row),
        }
        # orjson: compact, non-ASCII kept as is, like json.dumps(ensure_ascii=False,
        # separators=(",", ":")), several times faster per feature.
        yield separator + orjson.dumps(feature).decode()
        separator = ","
    yield f'],"poles_without_position":{without_position}}}'


def table_schema(columns: list[Column], *, primary_key: str | None = None) -> dict:
    """The frictionless Table Schema (https://specs.frictionlessdata.io/table-schema/)."""
    schema = {
        "fields": [column.schema() for column in columns],
        "missingValues": [""],
    }
    if primary_key:
        schema["primaryKey"] = primary_key
    return schema


@dataclass(frozen=True)
class Export:
    """One downloadable table: its file name, columns and rows."""

    slug: str
    filename: str
    title: object
    description: object
    columns: list[Column]
    rows: Callable
    primary_key: str | None = None

    def schema(self) -> dict:
        return {
            "name": self.slug,
            "title": str(self.title),
            "description": str(self.description),
            "licenses": [LICENCE],
            **table_schema(self.columns, primary_key=self.primary_key),
        }


EXPORTS = {
    "poles": Export(
        slug="poles",
        filename="poles.csv",
        title=_("Poles"),
        description=_("One row per published pole matching the filters."),
        columns=POLE_COLUMNS,
        rows=pole_rows,
        primary_key="slug",
    ),
    "structures": Export(
        slug="structures",
        filename="structures.csv",
        title=_("Member structures"),
        description=_(
            "One row per structure currently a member (any role) of a published pole "
            "matching the filters."
        ),
        columns=STRUCTURE_COLUMNS,
        rows=structure_rows,
    ),
}


# --- Conditional requests -------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """What changes whenever an export's content may change: the latest change and the
    number of records behind it."""

    last_modified: object  # datetime or None
    count: int

    def etag(self, *parts: str) -> str:
        # The release: another release's columns or labels are another representation.
        stamp = self.last_modified.isoformat() if self.last_modified else "-"
        text = "\n".join([release(), stamp, str(self.count), *parts])
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def freshness(export_slug: str, poles) -> Freshness:
    """One aggregate query (two for the structures): cheap enough to run before
    deciding whether to stream. A change to anything shown about a pole (key figures,
    memberships, member structures, colleges…) moves the pole's `updated_at`
    (poles/derived.py); structures carry their own `updated_at`."""
    # COUNT(*): PostgreSQL answers the unfiltered feeds from the index on
    # (is_published, updated_at) alone.
    row = poles.order_by().aggregate(last=Max("updated_at"), count=Count("*"))
    last, count = row["last"], row["count"]
    if export_slug == "structures":
        structures = structures_of(poles).aggregate(last=Max("updated_at"), count=Count("pk"))
        if structures["last"] and (last is None or structures["last"] > last):
            last = structures["last"]
        count = count * 1_000_003 + structures["count"]
    return Freshness(last_modified=last, count=count)
