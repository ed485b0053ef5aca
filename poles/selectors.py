"""Reads for the public pages: each function gives one page what it shows."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils.translation import get_language

from members.models import College, Cooperator
from territories.models import EPCI, Commune, Departement, Region

from .models import (
    KeyFigure,
    Membership,
    Network,
    Pole,
    PolePhoto,
    PoleSource,
    PoolingType,
    Recognition,
    Sector,
)
from .querysets import membership_count

DEFAULT_MARKER_COLOR = "#3f6f8f"


# A pole's page lists its member structures by pages of this many: a pole can have
# hundreds, and each row is three model instances and a table row to render.
MEMBERS_PAGE_SIZE = 100


def pole_memberships(*, offset: int = 0, queryset=None):
    """One page of (a pole's) memberships, with what the members table shows."""
    queryset = Membership.objects.all() if queryset is None else queryset
    return (
        queryset.select_related("structure__legal_form", "structure__headcount_band")
        .prefetch_related("structure__approvals")
        .order_by("role", "structure__name", "pk")[offset : offset + MEMBERS_PAGE_SIZE]
    )


def pole_detail_queryset(*, member_offset: int = 0):
    """A pole with everything its page shows: one query per list, the members table
    bounded to one page (`member_offset`) as `member_rows`, their total as
    `membership_count`."""
    return (
        Pole.objects.published()
        .for_page()
        .annotate(membership_count=membership_count("pole"))
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
            Prefetch("photos", queryset=PolePhoto.objects.order_by("position", "id")),
            # Sliced: Django needs a to_attr (a list) for that.
            Prefetch(
                "memberships",
                queryset=pole_memberships(offset=member_offset),
                to_attr="member_rows",
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


SUMMED_FIGURES = ("etp", "turnover")


def figures_summary(poles) -> dict[str, FigureTotal]:
    """For each summed figure (ETP, turnover), the total of each pole's latest non-empty
    value, in one query: per pole, subqueries read its latest row from the covering
    index on (pole, -year) (index-only on PostgreSQL), so the cost follows the number
    of poles, never every pole's every year. Summed here rather than by SQL aggregates,
    which would repeat each subquery once per aggregate."""
    annotations = {}
    for name in SUMMED_FIGURES:
        latest = KeyFigure.objects.filter(pole=OuterRef("pk"), **{f"{name}__isnull": False})
        latest = latest.order_by("-year")
        annotations.update(
            {
                f"{name}_value": Subquery(latest.values(name)[:1]),
                f"{name}_year": Subquery(latest.values("year")[:1]),
                f"{name}_approximate": Subquery(latest.values("is_approximate")[:1]),
            }
        )
    rows = list(poles.order_by().annotate(**annotations).values(*annotations))
    summary = {}
    for name in SUMMED_FIGURES:
        known = [row for row in rows if row[f"{name}_value"] is not None]
        years = [row[f"{name}_year"] for row in known]
        summary[name] = FigureTotal(
            total=sum(row[f"{name}_value"] for row in known) if known else None,
            pole_count=len(known),
            year_min=min(years, default=None),
            year_max=max(years, default=None),
            approximate_count=sum(1 for row in known if row[f"{name}_approximate"]),
        )
    return summary


def status_counts(poles) -> list[dict]:
    counts = dict(poles.order_by().values_list("status").annotate(n=Count("pk", distinct=True)))
    return [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Pole.Status.choices
    ]


# --- Territories --------------------------------------------------------------


def _published_pole_places():
    """(pole id, département code or None, région code) for every place where a published
    pole is seated or acts, without repeats, in one query (a UNION of the seat and the
    four links of the territory of action). `None` for the département means the whole
    région."""
    published = Q(pole__is_published=True)
    no_departement = Value(None, output_field=CharField())
    seats = (
        Pole.objects.published()
        .filter(seat_commune__isnull=False)
        .order_by()
        .values_list("pk", "seat_commune__departement_id", "seat_commune__departement__region_id")
    )
    links = [
        Pole.territory_communes.through.objects.filter(published).values_list(
            "pole_id", "commune__departement_id", "commune__departement__region_id"
        ),
        Pole.territory_epcis.through.objects.filter(published).values_list(
            "pole_id", "epci__departements__code", "epci__departements__region_id"
        ),
        Pole.territory_departements.through.objects.filter(published).values_list(
            "pole_id", "departement_id", "departement__region_id"
        ),
        Pole.territory_regions.through.objects.filter(published)
        .annotate(no_departement=no_departement)
        .values_list("pole_id", "no_departement", "region_id"),
    ]
    return [row for row in seats.union(*links) if row[2] is not None]


def region_counts() -> list[Region]:
    """Régions annotated with `pole_count` (as in `territory_index`), without their
    départements: two queries."""
    region_poles: dict[str, set[int]] = defaultdict(set)
    for pole_id, _departement_code, region_code in _published_pole_places():
        region_poles[region_code].add(pole_id)
    regions = list(Region.objects.order_by("name"))
    for region in regions:
        region.pole_count = len(region_poles[region.code])
    return regions


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
    return Pole.objects.published().in_region(region.code).order_by("sort_name", "pk").for_list()


def poles_in_departement(departement: Departement):
    """Published poles seated in the département or acting on (part of) it, including
    poles acting on its whole région."""
    return (
        Pole.objects.published()
        .in_departement(departement.code, region_code=departement.region_id)
        .order_by("sort_name", "pk")
        .for_list()
    )


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
        .for_list()
    )


# --- Home -----------------------------------------------------------------------


# The home page shows a bounded number of poles: the map (fed by /poles.geojson) and
# the entry points by territory and sector lead to all of them.
HOME_RECENT_POLES = 8


def home_page() -> dict:
    poles = Pole.objects.published()
    statuses = status_counts(poles)
    regions = [region for region in region_counts() if region.pole_count]
    return {
        "pole_count": sum(status["count"] for status in statuses),
        "recent_poles": list(
            poles.select_related("seat_commune").order_by("-updated_at", "pk")[:HOME_RECENT_POLES]
        ),
        "status_counts": statuses,
        "figures": figures_summary(poles),
        "regions": regions,
        "regions_covered": len(regions),
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
    """In one query whatever their number: the current cooperators counted by kind and
    college, with the names a public page may show (organisations, and persons who
    consented); a person's name without consent never leaves the database. The
    colleges come from `pole_detail_queryset()`'s prefetch."""
    shown_name = Case(
        When(
            Q(kind=Cooperator.Kind.ORGANISATION) | Q(consents_to_publication=True),
            then=F("name"),
        ),
        default=Value(None),
        output_field=CharField(),
    )
    rows = (
        Cooperator.objects.current()
        .filter(pole=pole)
        .annotate(shown_name=shown_name)
        .order_by()
        .values("kind", "college_id", "shown_name")
        .annotate(count=Count("pk"))
    )
    summary = CooperatorSummary()
    by_college: dict[int, int] = defaultdict(int)
    for row in rows:
        count = row["count"]
        if row["kind"] == Cooperator.Kind.PERSON:
            summary.person_count += count
            if row["shown_name"]:
                summary.named_persons += [row["shown_name"]] * count
        else:
            summary.organisations += [row["shown_name"]] * count
        if row["college_id"]:
            by_college[row["college_id"]] += count
        else:
            summary.without_college += count
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


def _popup_photo(row) -> dict:
    """Lean: the `photo` property only for poles that have one."""
    if not row["photo"]:
        return {}
    storage = PolePhoto._meta.get_field("image_popup").storage
    return {"photo": {"url": storage.url(row["photo"]), "alt": row["photo_alt"] or ""}}


def directory_geojson(filterset) -> dict:
    """The filtered poles as an RFC 7946 FeatureCollection, in two lean queries
    (`.values()`, no model instance) whatever their number: the poles (those without a
    position are only counted), their sectors."""
    if not filterset.is_valid():
        return {"type": "FeatureCollection", "features": [], "poles_without_position": 0}
    poles = filterset.qs
    located = Q(latitude__isnull=False, longitude__isnull=False)
    # The popup shows the pole's first photo in its small rendition, when it has one.
    first_photo = PolePhoto.objects.filter(pole=OuterRef("pk")).order_by("position", "id")
    every_row = list(
        poles.annotate(
            photo=Subquery(first_photo.values("image_popup")[:1]),
            photo_alt=Subquery(first_photo.values("alt_text")[:1]),
        ).values(
            "pk",
            "photo",
            "photo_alt",
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
    rows = [
        row for row in every_row if row["latitude"] is not None and row["longitude"] is not None
    ]
    english = (get_language() or "fr").startswith("en")  # as ReferenceItem.label
    # One reverse() for every feature: slugs are plain ASCII, nothing to quote.
    url_prefix = reverse("poles:detail", kwargs={"slug": "slug"}).removesuffix("slug/")
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
                "url": f"{url_prefix}{row['slug']}/",
                "commune": row["seat_commune__name"] or "",
                "departement": row["seat_commune__departement_id"] or "",
                "status": row["status"],
                "sectors": sectors_by_pole[row["pk"]],
                "color": row["main_sector__color"] or DEFAULT_MARKER_COLOR,
                **_popup_photo(row),
            },
        }
        for row in rows
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "poles_without_position": len(every_row) - len(rows),
    }
