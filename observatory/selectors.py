"""The observatory's indicators, computed live from the directory.

Each indicator is built from a few grouped aggregate queries over the poles the
directory's filters select (observatory.facts: never a query per pole or per
structure, and shared by every indicator of the page), and carries its definition,
the number of poles or structures it rests on, its rows (also served as CSV) and its
chart. The structure indicators count each structure once, however many of the
selected poles it belongs to, and only current memberships (no year left).
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from poles import charts
from poles.models import LegalForm, Pole, PoolingType, Sector
from territories.models import Departement

from . import choropleth
from .facts import Facts


def share(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal, None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    label: object  # the table's header (lazy translation)
    numeric: bool = False
    in_csv: bool = True
    in_table: bool = True


# Below this many poles (or structures), an indicator says nothing general: it is
# shown greyed out, with a warning.
MIN_BASE = 5


@dataclass
class Indicator:
    slug: str
    title: object
    definition: object
    base: int
    base_unit: str  # "poles" or "structures"
    columns: list[Column]
    rows: list[dict]
    chart: object = None
    note: object = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        # Too few poles to draw a conclusion: no chart to suggest one (the table, the
        # warning and the "n =" stay).
        if self.is_thin:
            self.chart = None
            self.extra.pop("turnover_chart", None)

    @property
    def base_label(self) -> str:
        if self.base_unit == "structures":
            return ngettext(
                "Based on %(count)s member structure.",
                "Based on %(count)s member structures.",
                self.base,
            ) % {"count": self.base}
        return ngettext("Based on %(count)s pole.", "Based on %(count)s poles.", self.base) % {
            "count": self.base
        }

    min_base = MIN_BASE

    @property
    def is_thin(self) -> bool:
        return self.base < MIN_BASE

    @property
    def thin_note(self) -> str:
        if self.base_unit == "structures":
            return ngettext(
                "Fewer than %(min)s member structure: too few to draw a conclusion.",
                "Fewer than %(min)s member structures: too few to draw a conclusion.",
                MIN_BASE,
            ) % {"min": MIN_BASE}
        return ngettext(
            "Fewer than %(min)s pole: too few to draw a conclusion.",
            "Fewer than %(min)s poles: too few to draw a conclusion.",
            MIN_BASE,
        ) % {"min": MIN_BASE}

    @property
    def table_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_table]

    @property
    def csv_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_csv]

    @property
    def csv_url(self) -> str:
        return reverse("observatory:indicator_csv", kwargs={"indicator": self.slug})

    def as_data(self) -> dict:
        """The indicator as plain data, for an API serializer: texts in the active
        language, and each row's values under the keys of its CSV columns (ints,
        Decimals, strings or None). Documented in docs/observatory.md."""
        columns = self.csv_columns
        return {
            "slug": self.slug,
            "title": str(self.title),
            "definition": str(self.definition),
            "base": self.base,
            "base_unit": self.base_unit,
            "min_base": MIN_BASE,
            "is_thin": self.is_thin,
            "note": str(self.note),
            "columns": [
                {"key": column.key, "label": str(column.label), "numeric": column.numeric}
                for column in columns
            ],
            "rows": [{column.key: row.get(column.key) for column in columns} for row in self.rows],
        }


def _territories(facts) -> dict:
    """The départements and their régions (names, links), read once per page."""
    if "territories" not in facts.references:
        departements, regions = {}, {}
        # One reverse() per kind of page rather than per territory (a hundred and twenty
        # of them cost more than the rest of the indicators): slugs are URL-safe.
        region_url = reverse("poles:region", kwargs={"region_slug": "REGION"})
        departement_url = reverse(
            "poles:departement", kwargs={"region_slug": "REGION", "departement_slug": "DEP"}
        )
        for code, name, slug, region_code, region_name, region_slug in Departement.objects.order_by(
            "code"
        ).values_list("code", "name", "slug", "region_id", "region__name", "region__slug"):
            departements[code] = {
                "name": name,
                "region": region_code,
                "url": departement_url.replace("REGION", region_slug).replace("DEP", slug),
            }
            regions[region_code] = {
                "name": region_name,
                "url": region_url.replace("REGION", region_slug),
            }
        facts.references["territories"] = (departements, regions)
    return facts.references["territories"]


def _poles_total(facts) -> int:
    return sum(n for *_, n in facts["poles"])


# --- Poles -----------------------------------------------------------------------------


def by_status(facts) -> Indicator:
    counts = defaultdict(int)
    for status, _departement, _year, n in facts["poles"]:
        counts[status] += n
    total = sum(counts.values())
    rows = [
        {"status": value, "label": str(label).capitalize(), "poles": counts.get(value, 0)}
        for value, label in Pole.Status.choices
    ]
    for row in rows:
        row["share"] = share(row["poles"], total)
    return Indicator(
        slug="statuts",
        title=_("Poles by status"),
        definition=_(
            "The status recorded for each pole: emerging, active, dormant, closed, or not "
            "confirmed when no dated source says the pole is at work. Each pole's page gives "
            "the year of the latest source confirming it."
        ),
        base=total,
        base_unit="poles",
        columns=[
            Column("status", _("Identifier"), in_table=False),
            Column("label", _("Status"), in_csv=False),
            Column("poles", _("Poles"), numeric=True),
            Column("share", _("Share (%)"), numeric=True),
        ],
        rows=rows,
        chart=charts.bar_chart((row["label"], row["poles"], None) for row in rows),
    )


def _seat_counts(facts) -> tuple[dict, int]:
    """Poles by seat département, and the number of poles without a seat."""
    counts = defaultdict(int)
    without_seat = 0
    for _status, departement, _year, n in facts["poles"]:
        if departement is None:
            without_seat += n
        else:
            counts[departement] += n
    return dict(counts), without_seat


def _without_seat_note(without_seat: int):
    if not without_seat:
        return ""
    return ngettext(
        "%(count)s selected pole has no recorded seat and is not counted.",
        "%(count)s selected poles have no recorded seat and are not counted.",
        without_seat,
    ) % {"count": without_seat}


def by_region(facts) -> Indicator:
    by_departement, without_seat = _seat_counts(facts)
    departements, regions = _territories(facts)
    counts = defaultdict(int)
    for code, n in by_departement.items():
        counts[departements[code]["region"]] += n
    rows = [
        {
            "region": code,
            "label": regions[code]["name"],
            "url": regions[code]["url"],
            "poles": n,
        }
        for code, n in counts.items()
        if n
    ]
    rows.sort(key=lambda row: (-row["poles"], row["label"]))
    return Indicator(
        slug="regions",
        title=_("Poles by région"),
        definition=_(
            "Poles counted in the région of their seat, each pole once. A pole acting "
            "over several régions is counted where it has its seat; the territory pages "
            "list every pole acting in a territory."
        ),
        base=sum(counts.values()),
        base_unit="poles",
        columns=[
            Column("region", _("INSEE code")),
            Column("label", _("Région")),
            Column("poles", _("Poles"), numeric=True),
        ],
        rows=rows,
        chart=charts.bar_chart((row["label"], row["poles"], None) for row in rows),
        note=_without_seat_note(without_seat),
    )


def by_departement(facts) -> Indicator:
    counts, without_seat = _seat_counts(facts)
    departements, _regions = _territories(facts)
    rows = [
        {"departement": code, "label": item["name"], "url": item["url"], "poles": counts[code]}
        for code, item in departements.items()
        if counts.get(code)
    ]
    return Indicator(
        slug="departements",
        title=_("Poles by département"),
        definition=_(
            "Poles counted in the département of their seat, each pole once. On the map, "
            "the darker a département, the more poles have their seat there."
        ),
        base=sum(counts.values()),
        base_unit="poles",
        columns=[
            Column("departement", _("INSEE code")),
            Column("label", _("Département")),
            Column("poles", _("Poles"), numeric=True),
        ],
        rows=rows,
        chart=None,
        note=_without_seat_note(without_seat),
        extra={
            "map": departement_map(
                counts, {code: (item["name"], item["url"]) for code, item in departements.items()}
            )
        },
    )


def departement_map(counts: dict, departements: dict) -> dict:
    """The choropleth: each département's path, colour class, title and link."""
    outlines = choropleth.outlines()
    classes = choropleth.colour_classes(max(counts.values(), default=0))
    shapes = []
    for outline in outlines.departements:
        count = counts.get(outline.code, 0)
        name, url = departements.get(outline.code, (outline.name, ""))
        shapes.append(
            {
                "code": outline.code,
                "path": outline.path,
                "url": url,
                "colour": choropleth.colour(choropleth.class_of(count, classes), len(classes)),
                "title": ngettext(
                    "%(name)s (%(code)s): %(count)s pole",
                    "%(name)s (%(code)s): %(count)s poles",
                    count,
                )
                % {"name": name, "code": outline.code, "count": count},
            }
        )
    legend = [{"colour": choropleth.PALETTE[0], "low": 0, "high": 0}] + [
        {"colour": choropleth.colour(index, len(classes)), "low": low, "high": high}
        for index, (low, high) in enumerate(classes, start=1)
    ]
    return {"outlines": outlines, "shapes": shapes, "legend": legend}


def by_sector(facts) -> Indicator:
    total = _poles_total(facts)
    counts = facts["activities"]["sectors"]
    rows = [
        {
            "sector": sector.slug,
            "label": sector.label,
            "poles": counts.get(sector.pk, 0),
            "share": share(counts.get(sector.pk, 0), total),
        }
        for sector in Sector.objects.order_by("position", "name")
    ]
    return Indicator(
        slug="secteurs",
        title=_("Poles by activity sector"),
        definition=_(
            "Number of poles active in each sector. A pole usually works in several "
            "sectors, so the shares add up to more than 100%."
        ),
        base=total,
        base_unit="poles",
        columns=[
            Column("sector", _("Identifier"), in_table=False),
            Column("label", _("Sector")),
            Column("poles", _("Poles"), numeric=True),
            Column("share", _("Share of the poles (%)"), numeric=True),
        ],
        rows=rows,
        chart=charts.bar_chart((row["label"], row["poles"], None) for row in rows),
    )


def pooling(facts) -> Indicator:
    documented = facts["activities"]["pooling_documented"]
    counts = facts["activities"]["pooling"]
    rows = [
        {
            "pooling_type": item.slug,
            "label": item.label,
            "poles": counts.get(item.pk, 0),
            "share": share(counts.get(item.pk, 0), documented),
            "survey_share": item.survey_share.normalize()
            if item.survey_share is not None
            else None,
        }
        for item in PoolingType.objects.order_by("position", "name")
    ]
    return Indicator(
        slug="mutualisation",
        title=_("What the poles pool"),
        definition=_(
            "Share of the poles whose pooling is documented (at least one pooling type "
            "recorded) that practise each type, next to the share found by the Labo de "
            "l'ESS survey of PTCE."
        ),
        base=documented,
        base_unit="poles",
        columns=[
            Column("pooling_type", _("Identifier"), in_table=False),
            Column("label", _("Pooling type")),
            Column("poles", _("Poles"), numeric=True),
            Column("share", _("Share in the directory (%)"), numeric=True),
            Column("survey_share", _("Share in the survey (%)"), numeric=True),
        ],
        rows=rows,
        chart=charts.bar_chart(
            ((row["label"], row["share"], row["survey_share"]) for row in rows),
            maximum=100,
            suffix=" %",
        ),
    )


def founding_years(facts) -> Indicator:
    counts = defaultdict(int)
    unknown = 0
    for _status, _departement, year, n in facts["poles"]:
        if year is None:
            unknown += n
        else:
            counts[year] += n
    rows = []
    cumulative = 0
    if counts:
        for year in range(min(counts), max(counts) + 1):
            cumulative += counts.get(year, 0)
            rows.append({"year": year, "founded": counts.get(year, 0), "cumulative": cumulative})
    return Indicator(
        slug="creations",
        title=_("Founding years"),
        definition=_(
            "Poles founded each year, and the cumulative number founded since the first "
            "(closed poles included, as they were founded)."
        ),
        base=cumulative,
        base_unit="poles",
        columns=[
            Column("year", _("Year")),
            Column("founded", _("Poles founded"), numeric=True),
            Column("cumulative", _("Founded since the first year"), numeric=True),
        ],
        rows=rows,
        chart=charts.line_chart((row["year"], row["cumulative"]) for row in rows),
        note=ngettext(
            "%(count)s selected pole has no known founding year.",
            "%(count)s selected poles have no known founding year.",
            unknown,
        )
        % {"count": unknown}
        if unknown
        else "",
    )


def key_figures(facts) -> Indicator:
    """Totals and medians of the poles' consolidated figures, year by year.

    Each year's total is over the poles that published that year, and the poles differ
    from year to year: the charts draw only the years resting on at least `MIN_BASE`
    poles, print each year's "n =", and join two years by a line only when the same
    poles published both (a line from one pole's 145 ETP in 2014 to another's 18 in
    2024 would read as a collapse)."""
    figures = facts["figures"]
    rows = [dict(row) for row in figures["years"]]
    return Indicator(
        slug="chiffres-cles",
        title=_("Jobs and turnover by year"),
        definition=_(
            "Total and median of the full-time equivalent jobs (ETP) and of the turnover "
            "consolidated by the poles, for each year some pole published them. Each total "
            "adds only figures of that same year, and the poles that published differ from "
            "one year to the next: compare the totals with the number of poles behind them. "
            "The charts leave out the years resting on fewer than %(min)s poles, and a line "
            "joins two years only when the same poles published both."
        )
        % {"min": MIN_BASE},
        base=figures["poles"],
        base_unit="poles",
        columns=[
            Column("year", _("Year")),
            Column("etp_poles", _("Poles with ETP"), numeric=True),
            Column("etp_total", _("Total ETP"), numeric=True),
            Column("etp_median", _("Median ETP"), numeric=True),
            Column("turnover_poles", _("Poles with turnover"), numeric=True),
            Column("turnover_total", _("Total turnover (€)"), numeric=True),
            Column("turnover_median", _("Median turnover (€)"), numeric=True),
        ],
        rows=rows,
        chart=_year_totals_chart(rows, "etp"),
        extra={"turnover_chart": _year_totals_chart(rows, "turnover")},
    )


def _year_totals_chart(rows, field: str):
    """The line of `field`'s yearly totals, over the years with at least MIN_BASE
    poles, joined only across the same poles; None with fewer than two such years."""
    drawn = [row for row in rows if row[f"{field}_poles"] >= MIN_BASE]
    return charts.line_chart(
        ((row["year"], row[f"{field}_total"]) for row in drawn),
        groups={row["year"]: row[f"{field}_poles_key"] for row in drawn},
        counts={row["year"]: row[f"{field}_poles"] for row in drawn},
    )


# --- Member structures -------------------------------------------------------------------


def _legal_forms(facts) -> dict:
    """Every legal form by id, read once per page."""
    if "legal_forms" not in facts.references:
        facts.references["legal_forms"] = {
            form.pk: form for form in LegalForm.objects.order_by("position", "name")
        }
    return facts.references["legal_forms"]


def _structures_by_form(facts) -> tuple[dict, int]:
    """Structures by legal form id, and the number without a legal form."""
    counts = {form: total for form, total, *_counts in facts["structures"]}
    return counts, counts.pop(None, 0)


def _unknown_form_note(unknown: int):
    if not unknown:
        return ""
    return ngettext(
        "%(count)s structure has no recorded legal form and is not counted.",
        "%(count)s structures have no recorded legal form and are not counted.",
        unknown,
    ) % {"count": unknown}


def legal_form_families(facts) -> Indicator:
    by_form, unknown = _structures_by_form(facts)
    forms = _legal_forms(facts)
    counts = defaultdict(int)
    for form_id, n in by_form.items():
        counts[forms[form_id].family] += n
    known = sum(counts.values())
    rows = [
        {
            "family": value,
            "label": str(label).capitalize(),
            "structures": counts.get(value, 0),
            "share": share(counts.get(value, 0), known),
        }
        for value, label in LegalForm.Family.choices
    ]
    return Indicator(
        slug="familles-juridiques",
        title=_("Member structures by family of legal form"),
        definition=_(
            "The current member structures of the poles (any role), each counted once, by "
            "family of legal form. Shares are among the structures whose legal form is "
            "known."
        ),
        base=known,
        base_unit="structures",
        columns=[
            Column("family", _("Identifier"), in_table=False),
            Column("label", _("Family")),
            Column("structures", _("Structures"), numeric=True),
            Column("share", _("Share (%)"), numeric=True),
        ],
        rows=rows,
        chart=charts.bar_chart((row["label"], row["structures"], None) for row in rows),
        note=_unknown_form_note(unknown),
    )


def legal_forms(facts) -> Indicator:
    counts, unknown = _structures_by_form(facts)
    known = sum(counts.values())
    rows = [
        {
            "legal_form": form.slug,
            "label": form.label,
            "family": form.family,
            "structures": counts[form.pk],
            "share": share(counts[form.pk], known),
        }
        for form in _legal_forms(facts).values()
        if form.pk in counts
    ]
    rows.sort(key=lambda row: (-row["structures"], str(row["label"])))
    return Indicator(
        slug="formes-juridiques",
        title=_("Member structures by legal form"),
        definition=_(
            "The survey's table recomputed: the current member structures by legal form "
            "(associations, SARL, SCIC, local authorities…), each counted once. Shares are "
            "among the structures whose legal form is known."
        ),
        base=known,
        base_unit="structures",
        columns=[
            Column("legal_form", _("Identifier"), in_table=False),
            Column("label", _("Legal form")),
            Column("family", _("Family"), in_table=False),
            Column("structures", _("Structures"), numeric=True),
            Column("share", _("Share (%)"), numeric=True),
        ],
        rows=rows,
        chart=charts.bar_chart((row["label"], row["structures"], None) for row in rows),
        note=_unknown_form_note(unknown),
    )


def _structure_profile(facts) -> dict:
    totals = {"total": 0, "iae": 0, "band_known": 0, "under_ten": 0}
    for _form, total, iae, band_known, under_ten in facts["structures"]:
        totals["total"] += total
        totals["iae"] += iae
        totals["band_known"] += band_known
        totals["under_ten"] += under_ten
    return totals


def insertion(facts) -> Indicator:
    """The share of insertion (IAE) structures."""
    row = _structure_profile(facts)
    return Indicator(
        slug="insertion",
        title=_("Insertion (IAE) structures"),
        definition=_(
            "Share of the current member structures holding at least one insertion through "
            "economic activity (IAE) approval: ACI, AI, EI or ETTI. A structure without a "
            "recorded approval counts as not approved."
        ),
        base=row["total"],
        base_unit="structures",
        columns=[
            Column("structures", _("Member structures"), numeric=True),
            Column("iae", _("With an IAE approval"), numeric=True),
            Column("share", _("Share (%)"), numeric=True),
        ],
        rows=[
            {
                "structures": row["total"],
                "iae": row["iae"],
                "share": share(row["iae"], row["total"]),
            }
        ],
        # One share: a chart of a single bar would compare nothing.
    )


def small_structures(facts) -> Indicator:
    """The share of structures under 10 employees."""
    row = _structure_profile(facts)
    return Indicator(
        slug="moins-de-10-salaries",
        title=_("Structures with fewer than 10 employees"),
        definition=_(
            "Share of the current member structures whose INSEE headcount band ends below "
            "10 employees (non-employers included), among the structures whose headcount "
            "band is known."
        ),
        base=row["band_known"],
        base_unit="structures",
        columns=[
            Column("structures", _("Structures with a known headcount band"), numeric=True),
            Column("under_ten", _("Fewer than 10 employees"), numeric=True),
            Column("share", _("Share (%)"), numeric=True),
        ],
        rows=[
            {
                "structures": row["band_known"],
                "under_ten": row["under_ten"],
                "share": share(row["under_ten"], row["band_known"]),
            }
        ],
        # One share: a chart of a single bar would compare nothing.
        note=ngettext(
            "%(count)s structure has no recorded headcount band and is not counted.",
            "%(count)s structures have no recorded headcount band and are not counted.",
            row["total"] - row["band_known"],
        )
        % {"count": row["total"] - row["band_known"]}
        if row["total"] - row["band_known"]
        else "",
    )


# --- The page ------------------------------------------------------------------------------

# Every indicator, in the page's order.
INDICATORS = {
    "statuts": by_status,
    "regions": by_region,
    "departements": by_departement,
    "familles-juridiques": legal_form_families,
    "formes-juridiques": legal_forms,
    "insertion": insertion,
    "moins-de-10-salaries": small_structures,
    "mutualisation": pooling,
    "secteurs": by_sector,
    "creations": founding_years,
    "chiffres-cles": key_figures,
}


def indicators(poles=None, *, facts: Facts | None = None) -> list[Indicator]:
    """Every indicator over `poles` (or over the numbers already gathered in `facts`),
    in the page's order, from one set of numbers."""
    facts = facts if facts is not None else Facts(poles)
    return [build(facts) for build in INDICATORS.values()]


def indicator(slug: str, poles) -> Indicator | None:
    """One indicator (its CSV): only the numbers it needs are read."""
    build = INDICATORS.get(slug)
    return build(Facts(poles)) if build else None


# --- National landmarks ----------------------------------------------------------------

NATIONAL_FACTS_FILE = Path(settings.BASE_DIR) / "fixtures" / "seed" / "national_facts.json"


@cache
def _national_facts_file() -> tuple[dict, ...]:
    data = json.loads(NATIONAL_FACTS_FILE.read_text(encoding="utf-8"))
    return tuple(data["facts"])


def national_facts() -> list[dict]:
    """The "Repères nationaux" of /statistiques/: national facts about PTCE, each with
    its year and sources, in the visitor's language (French when no translation).

    Sourced facts curated with the seed (fixtures/seed/render_more.py), not records
    that staff edit: read from their JSON file once per process."""
    english = (get_language() or "fr").startswith("en")
    return [
        {
            "year": fact["year"],
            "text": fact["text_en"] if english and fact.get("text_en") else fact["text"],
            "sources": fact["sources"],
        }
        for fact in _national_facts_file()
    ]
