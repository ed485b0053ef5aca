"""Reads for the API: each function returns what one endpoint shows, as plain rows
(dicts), in a number of queries that does not grow with the data.

Visibility is the public pages': published poles only; structures only through their
memberships of published poles; cooperators only as `members.selectors` summarises
them for a pole's page (organisations, and persons who consented to be named; no
contact detail ever). The poles' contact e-mail and phone are left out, as in the
open-data files: the pages are where people find them, not a bulk feed.
"""

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import get_language

from members.selectors import cooperator_summary
from poles.models import (
    Approval,
    HeadcountBand,
    KeyFigure,
    LegalForm,
    Membership,
    Network,
    Pole,
    PoleCoverage,
    PolePhoto,
    PoleSource,
    PoolingType,
    Recognition,
    Sector,
    Structure,
)
from territories.models import EPCI, Commune, Departement, Region


def english() -> bool:
    return (get_language() or "fr").startswith("en")


def label(name: str, name_en: str) -> str:
    """A reference item's name in the active language, as `ReferenceItem.label`."""
    return name_en if name_en and english() else name


def _choice_label(choices, value) -> str:
    return str(dict(choices).get(value, value))


def status(value: str) -> dict:
    return {"code": value, "label": _choice_label(Pole.Status.choices, value)}


def _place(code, name) -> dict | None:
    return {"code": code, "name": name} if code else None


def _number(value):
    return float(value) if value is not None else None


# --- Poles ------------------------------------------------------------------------------


POLE_ROW_FIELDS = (
    "pk",
    "slug",
    "name",
    "summary",
    "status",
    "status_as_of",
    "founded_year",
    "closed_year",
    "to_complete",
    "latitude",
    "longitude",
    "website",
    "updated_at",
    "seat_commune_id",
    "seat_commune__name",
    "seat_commune__departement_id",
    "seat_commune__departement__name",
    "seat_commune__departement__region_id",
    "seat_commune__departement__region__name",
    "latest_etp",
    "latest_etp_year",
)


def pole_ids(filterset) -> list[int]:
    """The ids of the poles a valid directory FilterSet selects, in its order (stable:
    the name, then the id, break every tie). One query: counting, then reading a
    page of the same filter would run it twice."""
    return list(filterset.qs.values_list("pk", flat=True))


def pole_rows(ids) -> list[dict]:
    """The list rows of the published poles `ids`, in that order: two queries (the
    poles with their seat and latest ETP; their sectors)."""
    rows = (
        Pole.objects.published()
        .filter(pk__in=list(ids))
        .with_latest_etp()
        .order_by()
        .values(*POLE_ROW_FIELDS)
    )
    by_id = {row["pk"]: row for row in rows}
    ordered = [_pole_row(by_id[pk]) for pk in ids if pk in by_id]
    sectors = defaultdict(list)
    links = (
        Pole.sectors.through.objects.filter(pole_id__in=list(by_id))
        .order_by("sector__position", "sector__name")
        .values_list("pole_id", "sector__slug", "sector__name", "sector__name_en")
    )
    for pole_id, slug, name, name_en in links:
        sectors[pole_id].append({"slug": slug, "label": label(name, name_en)})
    for row in ordered:
        row["sectors"] = sectors[row.pop("pk")]
    return ordered


def _pole_row(row: dict) -> dict:
    return {
        "pk": row["pk"],
        "slug": row["slug"],
        "name": row["name"],
        "summary": row["summary"],
        "status": status(row["status"]),
        "status_as_of": row["status_as_of"],
        "founded_year": row["founded_year"],
        "closed_year": row["closed_year"],
        "to_complete": row["to_complete"],
        "seat": {
            "commune": _place(row["seat_commune_id"], row["seat_commune__name"]),
            "departement": _place(
                row["seat_commune__departement_id"], row["seat_commune__departement__name"]
            ),
            "region": _place(
                row["seat_commune__departement__region_id"],
                row["seat_commune__departement__region__name"],
            ),
            "latitude": _number(row["latitude"]),
            "longitude": _number(row["longitude"]),
        },
        "latest_etp": (
            {"value": _number(row["latest_etp"]), "year": row["latest_etp_year"]}
            if row["latest_etp"] is not None
            else None
        ),
        "website": row["website"],
        "updated_at": row["updated_at"],
    }


def published_pole(slug: str) -> Pole | None:
    return (
        Pole.objects.published()
        .select_related("seat_commune__departement__region", "main_sector", "legal_form")
        .defer("search_text", "search_vector")
        .filter(slug=slug)
        .first()
    )


def pole_detail(pole: Pole) -> dict:
    """Everything a pole's page shows, as the API's detail: a fixed number of queries
    whatever the number of its members, figures or links."""
    seat = pole.seat_commune
    departement = seat.departement if seat else None
    region = departement.region if departement else None
    detail = {
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
        "legal_form": _legal_form(pole.legal_form),
        "seat": {
            "address": pole.address,
            "postal_code": pole.postal_code,
            "commune": _place(seat.code, seat.name) if seat else None,
            "departement": _place(departement.code, departement.name) if departement else None,
            "region": _place(region.code, region.name) if region else None,
            "latitude": _number(pole.latitude),
            "longitude": _number(pole.longitude),
        },
        "main_sector": (
            {"slug": pole.main_sector.slug, "label": pole.main_sector.label}
            if pole.main_sector
            else None
        ),
        "website": pole.website,
        "logo": pole.logo.url if pole.logo else None,
        "source": pole.source,
        "updated_at": pole.updated_at,
        **_pole_links(pole),
        "key_figures": _key_figures(pole),
        "sources": list(
            PoleSource.objects.filter(pole=pole)
            .order_by("position", "id")
            .values("citation", "url", "year")
        ),
        "photos": _photos(pole),
        "members": pole_members(pole),
        "cooperators": _cooperators(pole),
    }
    return detail


def _legal_form(form: LegalForm | None) -> dict | None:
    if form is None:
        return None
    return {"slug": form.slug, "label": form.label, "abbreviation": form.abbreviation}


def _pole_links(pole: Pole) -> dict:
    """The pole's reference lists and territory of action: one query per list."""

    def items(model, order, *fields):
        return model.objects.filter(poles=pole).order_by(*order).values_list(*fields)

    sectors = items(Sector, ("position", "name"), "slug", "name", "name_en")
    pooling = items(PoolingType, ("position", "name"), "slug", "name", "name_en")
    recognitions = items(Recognition, ("year", "name"), "slug", "name", "name_en", "year")
    networks = items(Network, ("position", "name"), "slug", "name", "name_en", "kind")
    return {
        "sectors": [{"slug": s, "label": label(n, e)} for s, n, e in sectors],
        "pooling_types": [{"slug": s, "label": label(n, e)} for s, n, e in pooling],
        "recognitions": [
            {"slug": s, "label": label(n, e), "year": year} for s, n, e, year in recognitions
        ],
        "networks": [
            {
                "slug": s,
                "label": label(n, e),
                "kind": {"code": kind, "label": _choice_label(Network.Kind.choices, kind)},
            }
            for s, n, e, kind in networks
        ],
        "territory_of_action": {
            "regions": _places(Region.objects.filter(poles=pole).order_by("code")),
            "departements": _places(Departement.objects.filter(poles=pole).order_by("code")),
            "epcis": _places(EPCI.objects.filter(poles=pole).order_by("name", "code")),
            "communes": _places(
                Commune.objects.filter(poles_acting_here=pole).order_by("name", "code")
            ),
        },
    }


def _places(queryset) -> list[dict]:
    return [{"code": code, "name": name} for code, name in queryset.values_list("code", "name")]


def _key_figures(pole: Pole) -> list[dict]:
    rows = KeyFigure.objects.filter(pole=pole).order_by("-year")
    return [
        {
            "year": row["year"],
            "etp": _number(row["etp"]),
            "turnover": row["turnover"],
            "member_structures": row["member_structures_count"],
            "cooperators": row["cooperators_count"],
            "is_approximate": row["is_approximate"],
            "note": row["note"],
            "source": row["source"],
        }
        for row in rows.values(
            "year",
            "etp",
            "turnover",
            "member_structures_count",
            "cooperators_count",
            "is_approximate",
            "note",
            "source",
        )
    ]


def _photos(pole: Pole) -> list[dict]:
    return [
        {
            "url": photo.page_url,
            "width": photo.page_width,
            "height": photo.page_height,
            "alt": photo.alt_text,
            "caption": photo.caption,
            "credit": photo.credit,
        }
        for photo in PolePhoto.objects.filter(pole=pole).order_by("position", "id")
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


def pole_members(pole: Pole) -> list[dict]:
    """Every membership of the pole (current and past, as its page lists them), with
    its structure: two queries (the memberships with their structures; the
    structures' approvals)."""
    rows = list(
        Membership.objects.filter(pole=pole)
        .order_by("role", "structure__name", "pk")
        .values(
            "structure_id",
            "role",
            "joined_year",
            "left_year",
            *STRUCTURE_FIELDS_VIA_MEMBERSHIP,
        )
    )
    approvals = _approvals({row["structure_id"] for row in rows})
    return [
        {
            "structure": _structure(
                {
                    key.removeprefix("structure__"): value
                    for key, value in row.items()
                    if key.startswith("structure__")
                }
                | {"pk": row["structure_id"]},
                approvals,
            ),
            "role": {
                "code": row["role"],
                "label": _choice_label(Membership.Role.choices, row["role"]),
            },
            "joined_year": row["joined_year"],
            "left_year": row["left_year"],
        }
        for row in rows
    ]


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
STRUCTURE_FIELDS_VIA_MEMBERSHIP = tuple(
    f"structure__{name}" for name in STRUCTURE_FIELDS if name != "pk"
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
    approvals = _approvals(by_id)
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
                "role": {"code": role, "label": _choice_label(Membership.Role.choices, role)},
                "joined_year": joined,
                "left_year": left,
            }
        )
    result = []
    for pk in ids:
        if pk in by_id:
            structure = _structure(by_id[pk], approvals)
            structure["poles"] = poles[pk]
            result.append(structure)
    return result


def _approvals(structure_ids) -> dict[int, list[dict]]:
    approvals = defaultdict(list)
    if not structure_ids:
        return approvals
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
    for structure_id, slug, name, name_en, abbreviation, is_iae in pairs:
        approvals[structure_id].append(
            {
                "slug": slug,
                "label": label(name, name_en),
                "abbreviation": abbreviation,
                "is_iae": is_iae,
            }
        )
    return approvals


def _structure(row: dict, approvals) -> dict:
    legal_form = None
    if row["legal_form__slug"]:
        legal_form = {
            "slug": row["legal_form__slug"],
            "label": label(row["legal_form__name"], row["legal_form__name_en"]),
            "abbreviation": row["legal_form__abbreviation"],
            "family": {
                "code": row["legal_form__family"],
                "label": _choice_label(LegalForm.Family.choices, row["legal_form__family"]),
            },
        }
    band = None
    if row["headcount_band__code"]:
        band = {"code": row["headcount_band__code"], "label": row["headcount_band__label"]}
    return {
        "id": row["pk"],
        "name": row["name"],
        "siret": row["siret"],
        "legal_form": legal_form,
        "headcount_band": band,
        "approvals": approvals.get(row["pk"], []),
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
