"""The API's read representations are built from the selectors' plain rows without
DRF's per-object machinery (api/serializers/plain.py) and a pole's lists come from
hand-written queries (api/selectors.py): what a client reads must stay exactly what
the read serializers give, byte for byte, in French and in English, and every list of
a pole's detail must keep the order its ORM query gave."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework import serializers

from api import views
from api.renderers import JSONRenderer
from api.serializers.plain import represent
from members.models import Cooperator
from poles.models import (
    Approval,
    HeadcountBand,
    LegalForm,
    Membership,
    Network,
    Pole,
    PolePhoto,
    PoleSource,
    PoolingType,
    Recognition,
    Sector,
)
from territories.models import EPCI, Commune, Departement, Region
from tests.api.test_visibility import ENDPOINTS
from tests.factories import (
    CollegeFactory,
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    StructureFactory,
    located_pole,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Two hundred requests here: none counted against the others' limit."""
    settings.API_RATE_LIMIT = "0"


def tie(model, field, value, count):
    """The first `count` items of a reference list, given the same `field` (position or
    year), so that their order is decided by their names."""
    items = list(model.objects.order_by("pk")[:count])
    model.objects.filter(pk__in=[item.pk for item in items]).update(**{field: value})
    return items


@pytest.fixture
def full_pole():
    """A published pole with several items in every list, ties in their first sort key,
    a logo, photos, sources, and members with every structure fact."""
    sectors = tie(Sector, "position", 7, 3)
    pole = located_pole(
        "60333",
        slug="complet",
        name="Pôle complet",
        description="Une description.",
        development_axes="Premier axe\n\n   Deuxième axe  \r\nTroisième",
        address="1 rue du Test",
        postal_code="60650",
        website="https://complet.example",
        source="Sources de test",
        status_as_of=2024,
        logo="poles/logos/complet.png",
        main_sector=sectors[2],
        legal_form=LegalForm.objects.get(slug="association"),
        sectors=sectors,
    )
    pole.pooling_types.set(tie(PoolingType, "position", 5, 3))
    pole.recognitions.set(tie(Recognition, "year", 2021, 3))
    pole.networks.set(tie(Network, "position", 4, 3))
    pole.territory_regions.set(Region.objects.filter(code__in=["84", "11", "32"]))
    pole.territory_departements.set(Departement.objects.filter(code__in=["80", "02", "60"]))
    pole.territory_epcis.set(EPCI.objects.filter(code__in=["200067999", "200068047"]))
    # Four communes of one name: their codes decide.
    pole.territory_communes.set(
        Commune.objects.filter(code__in=["67426", "54480", "65392", "32389", "60333"])
    )
    for year, etp, approximate in ((2021, "12.50", False), (2023, None, True), (2022, 3, False)):
        KeyFigureFactory(
            pole=pole, year=year, etp=etp, is_approximate=approximate, note=f"Note {year}"
        )
    PoleSource.objects.create(pole=pole, citation="Deuxième source", position=2, year=2023)
    PoleSource.objects.create(pole=pole, citation="Première source", url="https://s.example")
    PolePhoto.objects.create(
        pole=pole,
        image="poles/photos/b.jpg",
        position=2,
        alt_text="B",
        caption="Légende",
        credit="Crédit",
    )
    PolePhoto.objects.create(
        pole=pole,
        image="poles/photos/a.jpg",
        image_page="poles/photos/a-page.jpg",
        page_width=800,
        page_height=600,
        alt_text="A",
    )
    approvals = tie(Approval, "position", 3, 2)
    scop = StructureFactory(
        name="Zèbre coopératif",
        siret="88420120300012",
        website="https://zebre.example",
        etp=Decimal("1.50"),
        turnover=120_000,
        figures_year=2023,
        commune=Commune.objects.get(code="60333"),
        legal_form=LegalForm.objects.get(slug="association"),
        headcount_band=HeadcountBand.objects.order_by("pk")[2],
    )
    scop.approvals.set(approvals)
    for name, role in (
        ("abeille", Membership.Role.MEMBER),
        ("Abeille", Membership.Role.MEMBER),
        ("Écureuil", Membership.Role.FOUNDER),
    ):
        MembershipFactory(pole=pole, structure__name=name, role=role, joined_year=2019)
    MembershipFactory(pole=pole, structure=scop, role=Membership.Role.ANIMATOR, left_year=2024)
    college = CollegeFactory(pole=pole, name="Fondateurs", vote_weight=Decimal("33.33"))
    CooperatorFactory(pole=pole, college=college, name="Mairie")
    CooperatorFactory(pole=pole, kind=Cooperator.Kind.PERSON, name="Sans Consentement")
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name="Avec Consentement",
        consents_to_publication=True,
        consent_recorded_on="2024-01-01",
    )
    return pole


def drf_represent(serializer_class, data, *, many=False):
    """What the views gave before api/serializers/plain.py: DRF's own serializers."""
    return serializer_class(data, many=many).data


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("url", list(ENDPOINTS))
def test_every_endpoint_reads_what_drf_serializers_give(client, monkeypatch, full_pole, url, lang):
    url = url.format(
        pole=full_pole.slug,
        structure=full_pole.memberships.order_by("pk").first().structure_id,
        epci=full_pole.seat_commune.epci_id,
        sector=Sector.objects.order_by("pk").first().slug,
    )
    url += ("&" if "?" in url else "?") + f"lang={lang}"

    plain = client.get(url)
    monkeypatch.setattr(views, "represent", drf_represent)
    drf = client.get(url)

    assert plain.status_code == drf.status_code == 200
    assert plain.content == drf.content
    assert plain["ETag"] == drf["ETag"]


def slugs(queryset):
    return list(queryset.values_list("slug", flat=True))


def codes(queryset):
    return list(queryset.values_list("code", flat=True))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_pole_detail_keeps_every_list_in_its_order_and_language(client, full_pole, lang):
    pole = full_pole

    body = client.get(f"/api/v1/poles/complet/?lang={lang}").json()

    # Each list in the order of the ORM query that defined it.
    def listed(key, field="slug"):
        return [item[field] for item in body[key]]

    assert listed("sectors") == slugs(
        Sector.objects.filter(poles=pole).order_by("position", "name")
    )
    assert listed("pooling_types") == slugs(
        PoolingType.objects.filter(poles=pole).order_by("position", "name")
    )
    assert listed("recognitions") == slugs(
        Recognition.objects.filter(poles=pole).order_by("year", "name")
    )
    assert listed("networks") == slugs(
        Network.objects.filter(poles=pole).order_by("position", "name")
    )
    territory = body["territory_of_action"]
    assert [r["code"] for r in territory["regions"]] == ["11", "32", "84"]
    assert [d["code"] for d in territory["departements"]] == ["02", "60", "80"]
    assert [e["code"] for e in territory["epcis"]] == codes(
        EPCI.objects.filter(poles=pole).order_by("name", "code")
    )
    assert [c["code"] for c in territory["communes"]] == [
        "60333",
        "32389",
        "54480",
        "65392",
        "67426",
    ]
    assert [c["name"] for c in territory["communes"]][1:] == ["Saint-Martin"] * 4
    assert [figure["year"] for figure in body["key_figures"]] == [2023, 2022, 2021]
    assert body["key_figures"][2] == {
        "year": 2021,
        "etp": 12.5,
        "turnover": 500_000,
        "member_structures": None,
        "cooperators": None,
        "is_approximate": False,
        "note": "Note 2021",
        "source": "",
    }
    assert body["key_figures"][0]["etp"] is None
    assert body["key_figures"][0]["is_approximate"] is True
    assert body["sources"] == [
        {"citation": "Première source", "url": "https://s.example", "year": None},
        {"citation": "Deuxième source", "url": "", "year": 2023},
    ]
    assert body["photos"] == [
        {
            "url": "/media/poles/photos/a-page.jpg",
            "width": 800,
            "height": 600,
            "alt": "A",
            "caption": "",
            "credit": "",
        },
        {
            "url": "/media/poles/photos/b.jpg",
            "width": None,
            "height": None,
            "alt": "B",
            "caption": "Légende",
            "credit": "Crédit",
        },
    ]
    assert body["logo"] == "/media/poles/logos/complet.png"
    assert body["development_axes"] == ["Premier axe", "Deuxième axe", "Troisième"]

    # Members: by role, then the structure's name, then the membership.
    expected = list(
        Membership.objects.filter(pole=pole)
        .order_by("role", "structure__name", "pk")
        .values_list("structure__name", flat=True)
    )
    assert [member["structure"]["name"] for member in body["members"]] == expected
    english = lang == "en"
    with translation.override(lang):
        roles = {value: str(label) for value, label in Membership.Role.choices}
        family = str(LegalForm.Family.ASSOCIATION.label)
        approvals = [
            {
                "slug": approval.slug,
                "label": approval.name_en if english and approval.name_en else approval.name,
                "abbreviation": approval.abbreviation,
                "is_iae": approval.is_iae,
            }
            for approval in Approval.objects.filter(structures__name="Zèbre coopératif").order_by(
                "position", "name"
            )
        ]
    association = LegalForm.objects.get(slug="association")
    band = HeadcountBand.objects.order_by("pk")[2]
    animator = body["members"][0]
    assert animator == {
        "structure": {
            "id": animator["structure"]["id"],
            "name": "Zèbre coopératif",
            "siret": "88420120300012",
            "legal_form": {
                "slug": "association",
                "label": association.name_en
                if english and association.name_en
                else association.name,
                "abbreviation": association.abbreviation,
                "family": {"code": "association", "label": family},
            },
            "headcount_band": {"code": band.code, "label": band.label},
            "approvals": approvals,
            "etp": 1.5,
            "turnover": 120_000,
            "figures_year": 2023,
            "commune": {"code": "60333", "name": "Lachapelle-aux-Pots"},
            "website": "https://zebre.example",
        },
        "role": {"code": "animator", "label": roles["animator"]},
        "joined_year": None,
        "left_year": 2024,
    }
    assert len(approvals) == 2
    assert [member["role"]["label"] for member in body["members"]] == [
        roles[member["role"]["code"]] for member in body["members"]
    ]
    assert body["members"][1]["structure"]["legal_form"] is None
    assert body["members"][1]["structure"]["approvals"] == []
    assert body["cooperators"]["colleges"] == [
        {"name": "Fondateurs", "vote_weight": 33.33, "cooperator_count": 1}
    ]
    assert "Sans Consentement" not in json.dumps(body, ensure_ascii=False)


def test_a_list_row_shows_its_seat_latest_etp_and_sectors_in_order(client, full_pole):
    located_pole("60333", slug="sans-chiffres", name="Aaa sans chiffres")
    latest = Pole.objects.with_latest_etp().get(pk=full_pole.pk)

    rows = client.get("/api/v1/poles/?lang=en").json()["results"]

    assert [row["slug"] for row in rows] == ["sans-chiffres", "complet"]
    assert rows[0]["latest_etp"] is None
    assert rows[0]["sectors"] == []
    row = rows[1]
    assert row["latest_etp"] == {"value": 3.0, "year": 2022}
    assert (latest.latest_etp, latest.latest_etp_year) == (3, 2022)
    assert [sector["slug"] for sector in row["sectors"]] == slugs(
        Sector.objects.filter(poles=full_pole).order_by("position", "name")
    )
    assert row["seat"] == {
        "commune": {"code": "60333", "name": "Lachapelle-aux-Pots"},
        "departement": {"code": "60", "name": "Oise"},
        "region": {"code": "32", "name": "Hauts-de-France"},
        "latitude": float(full_pole.latitude),
        "longitude": float(full_pole.longitude),
    }
    assert row["status"] == {"code": "actif", "label": "active"}
    assert row["updated_at"] == client.get("/api/v1/poles/complet/").json()["updated_at"]


# --- The plain representation itself, beside DRF's ----------------------------------------


class Inner(serializers.Serializer):
    code = serializers.CharField()
    flag = serializers.BooleanField()


class Everything(serializers.Serializer):
    text = serializers.CharField()
    number = serializers.IntegerField()
    ratio = serializers.FloatField()
    when = serializers.DateTimeField()
    words = serializers.ListField(child=serializers.CharField())
    free = serializers.DictField(allow_null=True)
    choice = serializers.ChoiceField(choices=["a", "b"])
    inner = Inner(allow_null=True)
    inners = Inner(many=True)
    maybe = serializers.CharField(allow_null=True)
    optional = serializers.CharField(required=False)
    renamed = serializers.CharField(source="inner.code")


ROWS = [
    {
        "text": 12,
        "number": "7",
        "ratio": Decimal("2.50"),
        "when": datetime(2024, 5, 1, 10, 30, tzinfo=UTC),
        "words": ["un", 2, None],
        "free": {"a": Decimal("1.5"), 2: None},
        "choice": "b",
        "inner": {"code": "x", "flag": 1, "ignored": "never shown"},
        "inners": [{"code": "y", "flag": False}, {"code": "z", "flag": "true"}],
        "maybe": None,
        "optional": "là",
        "private": "never shown",
    },
    {
        "text": "",
        "number": 0,
        "ratio": 0,
        "when": None,
        "words": [],
        "free": None,
        "choice": "a",
        "inner": {"code": "", "flag": True},
        "inners": [],
        # `maybe` missing and nullable: null; `optional` missing: left out.
    },
]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_plain_rows_read_as_drf_reads_them(lang):
    renderer = JSONRenderer()
    with translation.override(lang):
        for row in ROWS:
            plain = represent(Everything, row)
            assert plain == Everything(row).data
            assert renderer.render(plain) == renderer.render(Everything(row).data)
        assert represent(Everything, ROWS, many=True) == Everything(ROWS, many=True).data
    assert "optional" not in represent(Everything, ROWS[1])
    assert represent(Everything, ROWS[0])["inner"] == {"code": "x", "flag": True}


def test_a_missing_required_key_fails_as_with_drf():
    row = {key: value for key, value in ROWS[0].items() if key != "number"}

    with pytest.raises(KeyError):
        Everything(row).data  # noqa: B018 (the property raises)
    with pytest.raises(KeyError):
        represent(Everything, row)


def test_an_object_that_is_not_a_mapping_goes_through_drf():
    class Row:
        code = "objet"
        flag = 0

    assert represent(Inner, Row()) == Inner(Row()).data == {"code": "objet", "flag": False}
