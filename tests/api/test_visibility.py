"""What the API shows, field by field: the exact list of every representation's
fields. A field added to a serializer, or a key a selector lets through, fails here
until it is added to this allow-list on purpose: check first that the public pages
show it (published poles only, no private field, persons named only with consent)."""

import pytest
from rest_framework import serializers

from api.serializers import read
from members.models import Cooperator
from tests.factories import (
    CollegeFactory,
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    PoleFactory,
    located_pole,
)

pytestmark = pytest.mark.django_db

PLACE = {"code", "name"}
CODE_LABEL = {"code", "label"}
SLUG_LABEL = {"slug", "label"}


def nested(prefix: str, fields: set[str]) -> set[str]:
    return {f"{prefix}.{field}" for field in fields}


SEAT = {"latitude", "longitude"} | nested("commune", PLACE) | nested("departement", PLACE)
SEAT |= nested("region", PLACE)
STRUCTURE = (
    {"id", "name", "siret", "etp", "turnover", "figures_year", "website"}
    | nested("legal_form", {"slug", "label", "abbreviation"})
    | nested("legal_form.family", CODE_LABEL)
    | nested("headcount_band", CODE_LABEL)
    | nested("approvals[]", {"slug", "label", "abbreviation", "is_iae"})
    | nested("commune", PLACE)
)
POLE_LIST_ITEM = (
    {
        "slug",
        "name",
        "summary",
        "status_as_of",
        "founded_year",
        "closed_year",
        "to_complete",
        "website",
        "updated_at",
    }
    | nested("status", CODE_LABEL)
    | nested("seat", SEAT)
    | nested("sectors[]", SLUG_LABEL)
    | nested("latest_etp", {"value", "year"})
)
POLE_DETAIL = (
    {
        "slug",
        "name",
        "summary",
        "description",
        "development_axes[]",
        "status_as_of",
        "founded_year",
        "closed_year",
        "to_complete",
        "website",
        "logo",
        "source",
        "updated_at",
    }
    | nested("status", CODE_LABEL)
    | nested("legal_form", {"slug", "label", "abbreviation"})
    | nested("seat", SEAT | {"address", "postal_code"})
    | nested("main_sector", SLUG_LABEL)
    | nested("sectors[]", SLUG_LABEL)
    | nested("pooling_types[]", SLUG_LABEL)
    | nested("recognitions[]", SLUG_LABEL | {"year"})
    | nested("networks[]", SLUG_LABEL)
    | nested("networks[].kind", CODE_LABEL)
    | nested("territory_of_action.regions[]", PLACE)
    | nested("territory_of_action.departements[]", PLACE)
    | nested("territory_of_action.epcis[]", PLACE)
    | nested("territory_of_action.communes[]", PLACE)
    | nested(
        "key_figures[]",
        {
            "year",
            "etp",
            "turnover",
            "member_structures",
            "cooperators",
            "is_approximate",
            "note",
            "source",
        },
    )
    | nested("sources[]", {"citation", "url", "year"})
    | nested("photos[]", {"url", "width", "height", "alt", "caption", "credit"})
    | nested("members[].structure", STRUCTURE)
    | nested("members[].role", CODE_LABEL)
    | {"members[].joined_year", "members[].left_year"}
    # Cooperators: organisations' names, the names of the persons who consented, and
    # counts. Never a person's name without consent, an e-mail, a phone, an address.
    | {
        "cooperators.total",
        "cooperators.organisations[]",
        "cooperators.person_count",
        "cooperators.named_persons[]",
    }
    | nested("cooperators.colleges[]", {"name", "vote_weight", "cooperator_count"})
)
STRUCTURE_WITH_POLES = (
    STRUCTURE
    | nested("poles[]", {"slug", "name", "joined_year", "left_year"})
    | nested("poles[].role", CODE_LABEL)
)
REGION = {"code", "name", "slug", "pole_count"} | nested("zone", CODE_LABEL)
DEPARTEMENT = REGION | nested("region", PLACE)
EPCI = {"code", "name", "kind", "departements[]"}
COMMUNE = {
    "code",
    "name",
    "departement",
    "epci",
    "parent",
    "postal_codes[]",
    "population",
    "latitude",
    "longitude",
    "is_current",
} | nested("kind", CODE_LABEL)
POLE_REF = {"slug", "name"}
REFERENCE = SLUG_LABEL | {"description"}
INDICATOR = {
    "slug",
    "title",
    "definition",
    "base",
    "base_unit",
    "is_thin",
    "note",
    "rows[]{}",
} | nested("columns[]", {"key", "label", "numeric"})

# Each endpoint: its representation's serializer and the fields it may show.
ENDPOINTS = {
    "/api/v1/poles/": (read.PoleListItem, POLE_LIST_ITEM, "page"),
    "/api/v1/poles/{pole}/": (read.PoleDetail, POLE_DETAIL, "object"),
    "/api/v1/structures/": (read.StructureWithPoles, STRUCTURE_WITH_POLES, "page"),
    "/api/v1/structures/{structure}/": (read.StructureWithPoles, STRUCTURE_WITH_POLES, "object"),
    "/api/v1/regions/": (read.Region, REGION, "list"),
    "/api/v1/regions/32/": (
        read.RegionDetail,
        REGION | nested("departements[]", PLACE) | nested("poles[]", POLE_REF),
        "object",
    ),
    "/api/v1/departements/": (read.Departement, DEPARTEMENT, "list"),
    "/api/v1/departements/60/": (
        read.DepartementDetail,
        DEPARTEMENT | nested("poles[]", POLE_REF),
        "object",
    ),
    "/api/v1/epcis/?departement=60": (read.Epci, EPCI, "page"),
    "/api/v1/epcis/{epci}/": (read.EpciDetail, EPCI | nested("poles[]", POLE_REF), "object"),
    "/api/v1/communes/?departement=60": (read.Commune, COMMUNE, "page"),
    "/api/v1/communes/60333/": (
        read.CommuneDetail,
        COMMUNE | nested("poles[]", POLE_REF),
        "object",
    ),
    "/api/v1/sectors/": (
        read.SectorItem,
        REFERENCE | {"color", "pole_count"},
        "list",
    ),
    "/api/v1/sectors/{sector}/": (read.SectorItem, REFERENCE | {"color", "pole_count"}, "object"),
    "/api/v1/pooling-types/": (read.PoolingTypeItem, REFERENCE | {"survey_share"}, "list"),
    "/api/v1/networks/": (
        read.NetworkItem,
        REFERENCE | {"website"} | nested("kind", CODE_LABEL),
        "list",
    ),
    "/api/v1/recognitions/": (
        read.RecognitionItem,
        REFERENCE | {"year", "announced", "laureate_count", "source"},
        "list",
    ),
    "/api/v1/legal-forms/": (
        read.LegalFormItem,
        REFERENCE | {"abbreviation"} | nested("family", CODE_LABEL),
        "list",
    ),
    "/api/v1/approvals/": (read.ApprovalItem, REFERENCE | {"abbreviation", "is_iae"}, "list"),
    "/api/v1/headcount-bands/": (
        read.HeadcountBandItem,
        {"code", "label", "min_employees", "max_employees"},
        "list",
    ),
    "/api/v1/statuses/": (read.CodeLabel, CODE_LABEL, "list"),
    "/api/v1/indicators/": (read.Indicator, INDICATOR, "list"),
    "/api/v1/indicators/statuts/": (read.Indicator, INDICATOR, "object"),
}


def declared(serializer, prefix="") -> set[str]:
    """The field paths a serializer declares: `a.b` for nested objects, `a[]` for
    lists, `a{}` for free-form objects."""
    paths = set()
    for name, field in serializer.fields.items():
        path = f"{prefix}{name}"
        if isinstance(field, serializers.ListSerializer):
            paths |= declared(field.child, f"{path}[].")
        elif isinstance(field, serializers.Serializer):
            paths |= declared(field, f"{path}.")
        elif isinstance(field, serializers.ListField):
            inner = "{}" if isinstance(field.child, serializers.DictField) else ""
            paths.add(f"{path}[]{inner}")
        else:
            paths.add(path)
    return paths


def with_parents(paths: set[str]) -> set[str]:
    """The paths and each of their parents (`a.b` gives `a`; `a[].b` gives `a[]`): an
    object may be null and a list empty."""
    parents = set(paths) | {path.removesuffix("{}") for path in paths}
    for path in paths:
        parts = path.replace("[].", "[]\0").replace(".", "\0").split("\0")
        for end in range(1, len(parts)):
            parents.add(".".join(parts[:end]).replace("[].", "[]."))
    return parents


def shown(value, prefix="") -> set[str]:
    """The field paths present in a JSON value (rows of indicators are free-form)."""
    paths = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}{key}"
            if isinstance(item, dict):
                paths |= shown(item, f"{path}.") or {path}
            elif isinstance(item, list):
                if item and isinstance(item[0], dict) and key == "rows":
                    paths.add(f"{path}[]{{}}")
                elif item and isinstance(item[0], dict):
                    paths |= shown(item[0], f"{path}[].")
                else:
                    paths.add(f"{path}[]")
            else:
                paths.add(path)
    return paths


@pytest.fixture
def rich_pole():
    """A published pole with something in every list, beside an unpublished one."""
    pole = located_pole("60333", slug="riche", development_axes="Un\nDeux", address="1 rue")
    structure = MembershipFactory(pole=pole, role="animator", structure__siret="").structure
    KeyFigureFactory(pole=pole)
    college = CollegeFactory(pole=pole)
    CooperatorFactory(pole=pole, college=college, name="Association Amie")
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name="Sans Consentement",
        email="prive@example.org",
        phone="0600000000",
        postal_address="2 rue privée",
    )
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name="Avec Consentement",
        consents_to_publication=True,
        consent_recorded_on="2024-01-01",
    )
    PoleFactory(slug="brouillon", name="Pôle brouillon", is_published=False)
    return pole, structure


@pytest.mark.parametrize("url", list(ENDPOINTS))
def test_each_endpoint_shows_exactly_its_allowed_fields(client, rich_pole, url):
    pole, structure = rich_pole
    serializer_class, allowed, shape = ENDPOINTS[url]
    url = url.format(
        pole=pole.slug,
        structure=structure.pk,
        epci=pole.seat_commune.epci_id,
        sector=pole.sectors.model.objects.order_by("pk").first().slug,
    )

    response = client.get(url)

    assert response.status_code == 200
    assert declared(serializer_class()) == allowed
    body = response.json()
    items = {"page": body.get("results") if shape == "page" else None}.get("page")
    items = items if shape == "page" else (body if shape == "list" else [body])
    assert items
    for item in items:
        assert shown(item) <= with_parents(allowed), url
    text = response.content.decode()
    for secret in ("Sans Consentement", "prive@example.org", "0600000000", "2 rue privée"):
        assert secret not in text
    assert "brouillon" not in text
