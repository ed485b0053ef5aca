"""Reads for the public pages: each function gives one page what it shows."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Min, OuterRef, Prefetch, Q, Subquery, Sum
from django.urls import reverse
from django.utils.translation import get_language

from members.models import College, Cooperator
from territories.models import EPCI, Commune, Departement, Region

from .models import (
    KeyFigure,
    Membership,
    Network,
    Pole,
    PoleSource,
    PoolingType,
    Recognition,
    Sector,
)

DEFAULT_MARKER_COLOR = "#3f6f8f"


def home_poles():
    return Pole.objects.published().for_list()


def pole_detail_queryset():
    return (
        Pole.objects.published()
        .for_list()
        .prefetch_related(
            Prefetch("pooling_types", queryset=PoolingType.objects.order_by("position", "name")),
            Prefetch("recognitions", queryset=Recognition.objects.order_by("year", "name")),
            Prefetch("networks", queryset=Network.objects.order_by("position", "name")),
            Prefetch("territory_communes", queryset=Commune.objects.order_by("name")),
            Prefetch("territory_epcis", queryset=EPCI.objects.order_by("name")),
            Prefetch(
                "territory_departements",
                queryset=Departement.objects.select_related("region").order_by("code"),
            ),
            Prefetch("territory_regions", queryset=Region.objects.order_by("name")),
            Prefetch("figures", queryset=KeyFigure.objects.order_by("-year")),
            Prefetch("sources", queryset=PoleSource.objects.order_by("position", "id")),
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related(
                    "structure__legal_form", "structure__headcount_band"
                )
                .prefetch_related("structure__approvals")
                .order_by("role", "structure__name"),
            ),
            Prefetch(
                "cooperators",
                queryset=Cooperator.objects.current().select_related("college"),
            ),
            Prefetch("colleges", queryset=College.objects.order_by("position", "name")),
        )
    )


# --- Key figures ------------------------------------------------------------


@dataclass(frozen=True)
class FigureTotal:
    """The sum, over several poles, of each pole's latest known value of one figure."""

    total: Decimal | int | None
    pole_count: int
    year_min: int | None
    year_max: int | None
    approximate_count: int

    @property
    def years(self) -> str:
        if self.year_min is None:
            return ""
        if self.year_min == self.year_max:
            return str(self.year_min)
        return f"{self.year_min}–{self.year_max}"


def latest_figure_total(poles, field_name: str) -> FigureTotal:
    """Sum each pole's latest non-empty `field_name` (ETP, turnover…), in one query."""
    present = {f"{field_name}__isnull": False}
    latest_year = (
        KeyFigure.objects.filter(pole=OuterRef("pole"), **present)
        .order_by("-year")
        .values("year")[:1]
    )
    row = (
        KeyFigure.objects.filter(pole__in=poles.order_by().values("pk"), **present)
        .filter(year=Subquery(latest_year))
        .aggregate(
            total=Sum(field_name),
            pole_count=Count("pole", distinct=True),
            year_min=Min("year"),
            year_max=Max("year"),
            approximate_count=Count("pk", filter=Q(is_approximate=True)),
        )
    )
    return FigureTotal(**row)


def figures_summary(poles) -> dict[str, FigureTotal]:
    return {
        "etp": latest_figure_total(poles, "etp"),
        "turnover": latest_figure_total(poles, "turnover"),
    }


def status_counts(poles) -> list[dict]:
    counts = dict(poles.order_by().values_list("status").annotate(n=Count("pk", distinct=True)))
    return [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Pole.Status.choices
    ]


# --- Territories --------------------------------------------------------------


def _published_pole_places():
    """(pole id, département code or None, région code) for every place where a published
    pole is seated or acts. `None` for the département means the whole région."""
    published = Q(pole__is_published=True)
    rows = list(
        Pole.objects.published()
        .filter(seat_commune__isnull=False)
        .values_list("pk", "seat_commune__departement_id", "seat_commune__departement__region_id")
    )
    rows += Pole.territory_communes.through.objects.filter(published).values_list(
        "pole_id", "commune__departement_id", "commune__departement__region_id"
    )
    rows += Pole.territory_epcis.through.objects.filter(published).values_list(
        "pole_id", "epci__departements__code", "epci__departements__region_id"
    )
    rows += Pole.territory_departements.through.objects.filter(published).values_list(
        "pole_id", "departement_id", "departement__region_id"
    )
    rows += [
        (pole_id, None, region_id)
        for pole_id, region_id in Pole.territory_regions.through.objects.filter(
            published
        ).values_list("pole_id", "region_id")
    ]
    return [row for row in rows if row[2] is not None]


def territory_index() -> list[Region]:
    """Régions with their départements, each annotated with `pole_count`: the published
    poles seated there or whose territory of action covers (part of) it."""
    region_poles: dict[str, set[int]] = defaultdict(set)
    region_wide: dict[str, set[int]] = defaultdict(set)
    departement_poles: dict[str, set[int]] = defaultdict(set)
    for pole_id, departement_code, region_code in _published_pole_places():
        region_poles[region_code].add(pole_id)
        if departement_code is None:
            region_wide[region_code].add(pole_id)
        else:
            departement_poles[departement_code].add(pole_id)
    regions = list(
        Region.objects.order_by("name").prefetch_related(
            Prefetch("departements", queryset=Departement.objects.order_by("code"))
        )
    )
    for region in regions:
        region.pole_count = len(region_poles[region.code])
        region.departement_list = list(region.departements.all())
        for departement in region.departement_list:
            departement.pole_count = len(
                departement_poles[departement.code] | region_wide[region.code]
            )
    return regions


def poles_in_region(region: Region):
    """Published poles seated in the région or acting on (part of) it."""
    return Pole.objects.published().in_region(region.code).order_by("name", "pk").for_list()


def poles_in_departement(departement: Departement):
    """Published poles seated in the département or acting on (part of) it, including
    poles acting on its whole région."""
    return (
        Pole.objects.published()
        .in_departement(departement.code, region_code=departement.region_id)
        .order_by("name", "pk")
        .for_list()
    )


def territory_page(*, poles) -> dict:
    """A territory's or a sector's poles and their figures."""
    return {"poles": poles, "figures": figures_summary(poles)}


# --- Sectors ------------------------------------------------------------------


def sectors_with_counts():
    return Sector.objects.annotate(
        pole_count=Count("poles", filter=Q(poles__is_published=True), distinct=True)
    ).order_by("position", "name")


def poles_in_sector(sector: Sector):
    return (
        Pole.objects.published()
        .filter(Pole.objects.linked_through("sectors", sector=sector))
        .order_by("name", "pk")
        .for_list()
    )


# --- Home -----------------------------------------------------------------------


def home_page() -> dict:
    poles = Pole.objects.published()
    regions = territory_index()
    return {
        "pole_count": poles.count(),
        "poles": Pole.objects.published()
        .select_related("seat_commune__departement")
        .order_by("name", "pk"),
        "status_counts": status_counts(poles),
        "figures": figures_summary(poles),
        "regions": [region for region in regions if region.pole_count],
        "regions_covered": sum(1 for region in regions if region.pole_count),
        "sectors": [sector for sector in sectors_with_counts() if sector.pole_count],
    }


# --- Pole page ------------------------------------------------------------------


@dataclass
class CooperatorSummary:
    """What a pole's page may show of its cooperators (SPEC §5: persons are named only
    with their recorded consent; their contact details are never shown)."""

    organisations: list[str] = field(default_factory=list)
    named_persons: list[str] = field(default_factory=list)
    person_count: int = 0
    colleges: list[dict] = field(default_factory=list)
    without_college: int = 0

    @property
    def total(self) -> int:
        return len(self.organisations) + self.person_count

    @property
    def unnamed_person_count(self) -> int:
        return self.person_count - len(self.named_persons)


def cooperator_summary(pole: Pole) -> CooperatorSummary:
    """From the prefetched `cooperators` and `colleges` of `pole_detail_queryset()`."""
    summary = CooperatorSummary()
    by_college: dict[int, int] = defaultdict(int)
    for cooperator in pole.cooperators.all():
        if cooperator.is_person:
            summary.person_count += 1
            if cooperator.public_name:
                summary.named_persons.append(cooperator.public_name)
        else:
            summary.organisations.append(cooperator.name)
        if cooperator.college_id:
            by_college[cooperator.college_id] += 1
        else:
            summary.without_college += 1
    summary.organisations.sort(key=str.casefold)
    summary.named_persons.sort(key=str.casefold)
    summary.colleges = [
        {"college": college, "count": by_college.get(college.pk, 0)}
        for college in pole.colleges.all()
    ]
    return summary


# --- Directory (/poles/, /poles.geojson) -----------------------------------------


def directory_filterset(params):
    """The directory's FilterSet over the published poles, bound to the query string."""
    from .filters import PoleFilterSet

    return PoleFilterSet(params, queryset=Pole.objects.published())


def directory_poles(filterset):
    """The filtered poles for the list, or none when a filter value is invalid (the form
    shows the error: an invalid filter must not silently widen the list)."""
    if not filterset.is_valid():
        return Pole.objects.none()
    return filterset.qs.for_list().with_latest_etp()


def directory_geojson(filterset) -> dict:
    """The filtered poles as an RFC 7946 FeatureCollection, in three queries whatever
    their number: the poles, their sectors, the count of poles without a position."""
    if not filterset.is_valid():
        return {"type": "FeatureCollection", "features": [], "poles_without_position": 0}
    poles = filterset.qs
    located = Q(latitude__isnull=False, longitude__isnull=False)
    rows = list(
        poles.filter(located).values(
            "pk",
            "slug",
            "name",
            "status",
            "latitude",
            "longitude",
            "seat_commune__name",
            "seat_commune__departement_id",
            "main_sector__color",
        )
    )
    english = (get_language() or "fr").startswith("en")  # as ReferenceItem.label
    sectors_by_pole = defaultdict(list)
    pairs = (
        Pole.sectors.through.objects.filter(pole_id__in=poles.filter(located).values("pk"))
        .order_by("sector__position", "sector__name")
        .values_list("pole_id", "sector__name", "sector__name_en")
    )
    for pole_id, name, name_en in pairs:
        sectors_by_pole[pole_id].append(name_en if english and name_en else name)
    features = [
        {
            "type": "Feature",
            "id": row["slug"],
            # RFC 7946: longitude first.
            "geometry": {
                "type": "Point",
                "coordinates": [float(row["longitude"]), float(row["latitude"])],
            },
            "properties": {
                "slug": row["slug"],
                "name": row["name"],
                "url": reverse("poles:detail", kwargs={"slug": row["slug"]}),
                "commune": row["seat_commune__name"] or "",
                "departement": row["seat_commune__departement_id"] or "",
                "status": row["status"],
                "sectors": sectors_by_pole[row["pk"]],
                "color": row["main_sector__color"] or DEFAULT_MARKER_COLOR,
            },
        }
        for row in rows
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "poles_without_position": poles.exclude(located).count(),
    }
