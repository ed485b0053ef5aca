"""The observatory's indicators, computed live from the directory.

Each indicator is a few aggregate queries over the poles the directory's filters
select (never a query per pole or per structure), and carries its definition, the
number of poles or structures it rests on, its rows (also served as CSV) and its
chart. The structure indicators count each structure once, however many of the
selected poles it belongs to, and only current memberships (no year left).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from poles.exports import structures_of
from poles.models import Approval, KeyFigure, LegalForm, Pole, PoolingType, Sector
from territories.models import Departement, Region

from . import charts, choropleth


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

    @property
    def table_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_table]

    @property
    def csv_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_csv]

    @property
    def csv_url(self) -> str:
        return reverse("observatory:indicator_csv", kwargs={"indicator": self.slug})


def _ids(poles):
    return poles.order_by().values("pk")


def _selected(poles):
    """The filtered poles, without the annotations and ordering of a ranked search."""
    return Pole.objects.filter(pk__in=_ids(poles))


# --- Poles -----------------------------------------------------------------------------


def by_status(poles) -> Indicator:
    counts = dict(_selected(poles).values_list("status").annotate(n=Count("pk")))
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
            "The status recorded for each pole: emerging, active, dormant or closed. Each "
            "pole's page gives the year of the latest source confirming it."
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


def _seat_counts(poles, field_name: str) -> tuple[dict, int]:
    counts = dict(
        _selected(poles)
        .filter(seat_commune__isnull=False)
        .values_list(field_name)
        .annotate(n=Count("pk"))
    )
    without_seat = _selected(poles).filter(seat_commune__isnull=True).count()
    return counts, without_seat


def by_region(poles) -> Indicator:
    counts, without_seat = _seat_counts(poles, "seat_commune__departement__region_id")
    regions = Region.objects.order_by("name").values_list("code", "name", "slug")
    rows = [
        {
            "region": code,
            "label": name,
            "url": reverse("poles:region", kwargs={"region_slug": slug}),
            "poles": counts.get(code, 0),
        }
        for code, name, slug in regions
        if counts.get(code)
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
        note=_("%(count)s selected poles have no recorded seat and are not counted.")
        % {"count": without_seat}
        if without_seat
        else "",
    )


def by_departement(poles) -> Indicator:
    counts, without_seat = _seat_counts(poles, "seat_commune__departement_id")
    departements = {
        code: (
            name,
            reverse(
                "poles:departement", kwargs={"region_slug": region_slug, "departement_slug": slug}
            ),
        )
        for code, name, slug, region_slug in Departement.objects.values_list(
            "code", "name", "slug", "region__slug"
        )
    }
    rows = [
        {"departement": code, "label": name, "url": url, "poles": counts.get(code, 0)}
        for code, (name, url) in sorted(departements.items())
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
        note=_("%(count)s selected poles have no recorded seat and are not counted.")
        % {"count": without_seat}
        if without_seat
        else "",
        extra={"map": departement_map(counts, departements)},
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


def by_sector(poles) -> Indicator:
    total = _selected(poles).count()
    sectors = Sector.objects.annotate(
        n=Count("poles", filter=Q(poles__in=_ids(poles)), distinct=True)
    ).order_by("position", "name")
    rows = [
        {
            "sector": sector.slug,
            "label": sector.label,
            "poles": sector.n,
            "share": share(sector.n, total),
        }
        for sector in sectors
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


def pooling(poles) -> Indicator:
    documented = (
        _selected(poles)
        .filter(Exists(Pole.pooling_types.through.objects.filter(pole_id=OuterRef("pk"))))
        .count()
    )
    types = PoolingType.objects.annotate(
        n=Count("poles", filter=Q(poles__in=_ids(poles)), distinct=True)
    ).order_by("position", "name")
    rows = [
        {
            "pooling_type": item.slug,
            "label": item.label,
            "poles": item.n,
            "share": share(item.n, documented),
            "survey_share": item.survey_share.normalize()
            if item.survey_share is not None
            else None,
        }
        for item in types
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


def founding_years(poles) -> Indicator:
    counts = dict(
        _selected(poles)
        .filter(founded_year__isnull=False)
        .values_list("founded_year")
        .annotate(n=Count("pk"))
    )
    unknown = _selected(poles).filter(founded_year__isnull=True).count()
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
        note=_("%(count)s selected poles have no known founding year.") % {"count": unknown}
        if unknown
        else "",
    )


def key_figures(poles) -> Indicator:
    """Totals and medians of the poles' consolidated figures, year by year.

    Medians are computed in Python (neither SQLite nor Django has a portable median):
    one query reads the figures of the selected poles, a few rows per pole.
    """
    by_year = defaultdict(lambda: {"etp": [], "turnover": []})
    poles_with_figures = set()
    rows_read = (
        KeyFigure.objects.filter(pole__in=_ids(poles))
        .order_by("year")
        .values_list("pole_id", "year", "etp", "turnover")
    )
    for pole_id, year, etp, turnover in rows_read:
        if etp is not None:
            by_year[year]["etp"].append(etp)
        if turnover is not None:
            by_year[year]["turnover"].append(turnover)
        if etp is not None or turnover is not None:
            poles_with_figures.add(pole_id)
    rows = []
    for year in sorted(by_year):
        etp, turnover = by_year[year]["etp"], by_year[year]["turnover"]
        if not etp and not turnover:
            continue
        rows.append(
            {
                "year": year,
                "etp_poles": len(etp),
                "etp_total": sum(etp, Decimal(0)) if etp else None,
                "etp_median": Decimal(median(etp)) if etp else None,
                "turnover_poles": len(turnover),
                "turnover_total": sum(turnover) if turnover else None,
                "turnover_median": Decimal(median(turnover)) if turnover else None,
            }
        )
    return Indicator(
        slug="chiffres-cles",
        title=_("Jobs and turnover by year"),
        definition=_(
            "Total and median of the full-time equivalent jobs (ETP) and of the turnover "
            "consolidated by the poles, for each year some pole published them. The poles "
            "that published figures differ from one year to the next: compare the totals "
            "with the number of poles behind them."
        ),
        base=len(poles_with_figures),
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
        chart=charts.line_chart((row["year"], row["etp_total"]) for row in rows),
        extra={
            "turnover_chart": charts.line_chart(
                (row["year"], row["turnover_total"]) for row in rows
            )
        },
    )


# --- Member structures -------------------------------------------------------------------


def legal_form_families(poles) -> Indicator:
    counts = dict(
        structures_of(_selected(poles)).values_list("legal_form__family").annotate(n=Count("pk"))
    )
    unknown = counts.pop(None, 0)
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
        note=_("%(count)s structures have no recorded legal form and are not counted.")
        % {"count": unknown}
        if unknown
        else "",
    )


def legal_forms(poles) -> Indicator:
    counts = dict(
        structures_of(_selected(poles)).values_list("legal_form_id").annotate(n=Count("pk"))
    )
    unknown = counts.pop(None, 0)
    known = sum(counts.values())
    forms = LegalForm.objects.filter(pk__in=counts).order_by("position", "name")
    rows = [
        {
            "legal_form": form.slug,
            "label": form.label,
            "family": form.family,
            "structures": counts[form.pk],
            "share": share(counts[form.pk], known),
        }
        for form in forms
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
        note=_("%(count)s structures have no recorded legal form and are not counted.")
        % {"count": unknown}
        if unknown
        else "",
    )


def structure_profile(poles) -> tuple[Indicator, Indicator]:
    """The shares of insertion (IAE) structures and of structures under 10 employees,
    from one aggregate query."""
    iae = Exists(Approval.objects.filter(structures=OuterRef("pk"), is_iae=True))
    row = (
        structures_of(_selected(poles))
        .annotate(is_iae=iae)
        .aggregate(
            total=Count("pk"),
            iae=Count("pk", filter=Q(is_iae=True)),
            band_known=Count("pk", filter=Q(headcount_band__isnull=False)),
            under_ten=Count("pk", filter=Q(headcount_band__max_employees__lt=10)),
        )
    )
    insertion = Indicator(
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
        chart=charts.bar_chart(
            [(_("With an IAE approval"), share(row["iae"], row["total"]), None)],
            maximum=100,
            suffix=" %",
        ),
    )
    small = Indicator(
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
        chart=charts.bar_chart(
            [(_("Fewer than 10 employees"), share(row["under_ten"], row["band_known"]), None)],
            maximum=100,
            suffix=" %",
        ),
        note=_("%(count)s structures have no recorded headcount band and are not counted.")
        % {"count": row["total"] - row["band_known"]}
        if row["total"] - row["band_known"]
        else "",
    )
    return insertion, small


# --- The page ------------------------------------------------------------------------------


def indicators(poles) -> list[Indicator]:
    """Every indicator, in the page's order."""
    insertion, small = structure_profile(poles)
    return [
        by_status(poles),
        by_region(poles),
        by_departement(poles),
        legal_form_families(poles),
        legal_forms(poles),
        insertion,
        small,
        pooling(poles),
        by_sector(poles),
        founding_years(poles),
        key_figures(poles),
    ]


INDICATORS = {
    "statuts": by_status,
    "regions": by_region,
    "departements": by_departement,
    "familles-juridiques": legal_form_families,
    "formes-juridiques": legal_forms,
    "insertion": lambda poles: structure_profile(poles)[0],
    "moins-de-10-salaries": lambda poles: structure_profile(poles)[1],
    "mutualisation": pooling,
    "secteurs": by_sector,
    "creations": founding_years,
    "chiffres-cles": key_figures,
}


def indicator(slug: str, poles) -> Indicator | None:
    compute = INDICATORS.get(slug)
    return compute(poles) if compute else None
