"""/statistiques/: each indicator's exact value on a known synthetic dataset."""

import csv
import io
import re
from decimal import Decimal

import pytest

from members.models import Cooperator
from observatory import choropleth, selectors
from poles.models import (
    Approval,
    HeadcountBand,
    LegalForm,
    Membership,
    Pole,
    PoolingType,
    Sector,
)
from tests.factories import (
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    PoleFactory,
    StructureFactory,
    located_pole,
)

pytestmark = pytest.mark.django_db

PERSON = "Paul Confidentiel-Testeur"


def structure(name, legal_form=None, band=None, approvals=()):
    made = StructureFactory(
        name=name,
        legal_form=LegalForm.objects.get(slug=legal_form) if legal_form else None,
        headcount_band=HeadcountBand.objects.get(code=band) if band else None,
    )
    made.approvals.set(Approval.objects.filter(slug__in=approvals))
    return made


@pytest.fixture
def dataset():
    """Three published poles and one unpublished (which must never count)."""
    sectors = {sector.slug: sector for sector in Sector.objects.all()}
    pooling = {item.slug: item for item in PoolingType.objects.all()}
    p1 = located_pole("60333", slug="obs-p1", founded_year=2015)
    p2 = located_pole(
        "60057", slug="obs-p2", founded_year=2017, status=Pole.Status.CLOSED, closed_year=2022
    )
    p3 = located_pole("69123", slug="obs-p3", founded_year=None)
    hidden = located_pole("13055", slug="obs-hidden", founded_year=2010, is_published=False)
    p1.sectors.set([sectors["formation"]])
    p2.sectors.set([sectors["formation"], sectors["numerique"]])
    hidden.sectors.set([sectors["numerique"]])
    p1.pooling_types.set([pooling["locaux"], pooling["connaissances-experiences"]])
    p2.pooling_types.set([pooling["locaux"]])
    hidden.pooling_types.set([pooling["communication"]])

    KeyFigureFactory(pole=p1, year=2022, etp=10, turnover=100_000)
    KeyFigureFactory(pole=p1, year=2023, etp=20, turnover=None)
    KeyFigureFactory(pole=p2, year=2023, etp=5, turnover=300_000)
    KeyFigureFactory(pole=p3, year=2023, etp=Decimal("7.5"), turnover=None)
    KeyFigureFactory(pole=hidden, year=2023, etp=1000, turnover=9_000_000)

    s1 = structure("Obs association", "association", "03", approvals=["aci", "esus"])
    s2 = structure("Obs SCIC", "scic", "11")
    s3 = structure("Obs SARL", "sarl")
    s4 = structure("Obs collectivité", "collectivite-territoriale", "NN")
    s5 = structure("Obs sans forme")
    s6 = structure("Obs partie", "sarl", "03", approvals=["ai"])
    s7 = structure("Obs cachée", "scop", "01", approvals=["ei"])
    MembershipFactory(pole=p1, structure=s1, role=Membership.Role.ANIMATOR)
    MembershipFactory(pole=p2, structure=s1)  # counted once
    MembershipFactory(pole=p1, structure=s2)
    MembershipFactory(pole=p2, structure=s3, role=Membership.Role.PARTNER)
    MembershipFactory(pole=p3, structure=s4)
    MembershipFactory(pole=p3, structure=s5)
    MembershipFactory(pole=p3, structure=s6, left_year=2020)  # former member
    MembershipFactory(pole=hidden, structure=s7)  # unpublished pole

    CooperatorFactory(pole=p1, kind=Cooperator.Kind.PERSON, name=PERSON, email="p@example.org")
    return {"p1": p1, "p2": p2, "p3": p3}


def indicators(query=""):
    from poles.selectors import directory_filterset

    filterset = directory_filterset(_querydict(query))
    assert filterset.is_valid()
    return {item.slug: item for item in selectors.indicators(filterset.qs)}


def _querydict(query):
    from django.http import QueryDict

    return QueryDict(query)


def rows_by(indicator, key):
    return {row[key]: row for row in indicator.rows}


def test_poles_by_status(dataset):
    status = indicators()["statuts"]
    assert status.base == 3
    counts = {row["status"]: (row["poles"], row["share"]) for row in status.rows}
    assert counts == {
        "emergence": (0, Decimal("0.0")),
        "actif": (2, Decimal("66.7")),
        "en-sommeil": (0, Decimal("0.0")),
        "ferme": (1, Decimal("33.3")),
        "a-confirmer": (0, Decimal("0.0")),
    }


def test_poles_by_region_and_departement(dataset):
    result = indicators()
    assert [(row["region"], row["poles"]) for row in result["regions"].rows] == [
        ("32", 2),
        ("84", 1),
    ]
    assert result["regions"].base == 3
    assert [(row["departement"], row["poles"]) for row in result["departements"].rows] == [
        ("60", 2),
        ("69", 1),
    ]
    assert result["departements"].rows[0]["url"] == "/territoires/hauts-de-france/oise/"


def test_a_pole_without_seat_is_noted_not_counted(dataset):
    PoleFactory(slug="obs-sans-siege")
    regions = indicators()["regions"]
    assert regions.base == 3
    assert "1" in str(regions.note)


def test_structures_by_family_and_legal_form(dataset):
    result = indicators()
    families = result["familles-juridiques"]
    assert families.base == 4  # s5 has no legal form; s6 left; s7 is in an unpublished pole
    assert {row["family"]: (row["structures"], row["share"]) for row in families.rows} == {
        "association": (1, Decimal("25.0")),
        "cooperative": (1, Decimal("25.0")),
        "mutual": (0, Decimal("0.0")),
        "foundation": (0, Decimal("0.0")),
        "company": (1, Decimal("25.0")),
        "public": (1, Decimal("25.0")),
        "other": (0, Decimal("0.0")),
    }
    forms = result["formes-juridiques"]
    assert {row["legal_form"]: row["structures"] for row in forms.rows} == {
        "association": 1,
        "scic": 1,
        "sarl": 1,
        "collectivite-territoriale": 1,
    }
    assert forms.base == 4


def test_shares_of_insertion_and_small_structures(dataset):
    result = indicators()
    (iae,) = result["insertion"].rows
    assert iae == {"structures": 5, "iae": 1, "share": Decimal("20.0")}
    (small,) = result["moins-de-10-salaries"].rows
    # Known bands: 03 (6–9) and NN (non-employer) are under 10, 11 (10–19) is not.
    assert small == {"structures": 3, "under_ten": 2, "share": Decimal("66.7")}
    assert result["moins-de-10-salaries"].base == 3


def test_pooling_shares_next_to_the_survey(dataset):
    pooling = indicators()["mutualisation"]
    assert pooling.base == 2  # p3 records no pooling type
    rows = rows_by(pooling, "pooling_type")
    assert rows["locaux"]["share"] == Decimal("100.0")
    assert rows["locaux"]["survey_share"] == Decimal("58")
    assert rows["connaissances-experiences"]["share"] == Decimal("50.0")
    assert rows["connaissances-experiences"]["survey_share"] == Decimal("79")
    assert rows["communication"]["poles"] == 0  # only the unpublished pole
    assert rows["emplois-partages"]["survey_share"] is None


def test_poles_by_sector(dataset):
    sectors = rows_by(indicators()["secteurs"], "sector")
    assert (sectors["formation"]["poles"], sectors["formation"]["share"]) == (2, Decimal("66.7"))
    assert (sectors["numerique"]["poles"], sectors["numerique"]["share"]) == (1, Decimal("33.3"))
    assert sectors["agriculture"]["poles"] == 0


def test_founding_years(dataset):
    founding = indicators()["creations"]
    assert founding.rows == [
        {"year": 2015, "founded": 1, "cumulative": 1},
        {"year": 2016, "founded": 0, "cumulative": 1},
        {"year": 2017, "founded": 1, "cumulative": 2},
    ]
    assert founding.base == 2
    assert founding.note  # one pole without a founding year


def test_jobs_and_turnover_by_year(dataset):
    figures = indicators()["chiffres-cles"]
    assert figures.base == 3
    # The API's plain data: the rows under the CSV columns' keys.
    assert figures.as_data()["rows"] == [
        {
            "year": 2022,
            "etp_poles": 1,
            "etp_total": Decimal("10"),
            "etp_median": Decimal("10"),
            "turnover_poles": 1,
            "turnover_total": 100_000,
            "turnover_median": Decimal(100_000),
        },
        {
            "year": 2023,
            "etp_poles": 3,
            "etp_total": Decimal("32.5"),
            "etp_median": Decimal("7.5"),
            "turnover_poles": 1,
            "turnover_total": 300_000,
            "turnover_median": Decimal(300_000),
        },
    ]


def test_filters_restrict_every_indicator(dataset):
    result = indicators("region=84")
    assert result["statuts"].base == 1
    assert result["familles-juridiques"].base == 1  # the collectivité of p3
    assert result["insertion"].rows[0]["structures"] == 2
    assert [row["year"] for row in result["chiffres-cles"].rows] == [2023]


def test_page_shows_every_indicator_with_its_base_and_download(client, dataset):
    response = client.get("/statistiques/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    for slug in selectors.INDICATORS:
        assert f'id="{slug}"' in html
        assert f'href="/statistiques/{slug}.csv"' in html
    assert "Based on 3 poles." in html
    assert "Based on 5 member structures." in html
    # Indicators on fewer than 5 poles draw no chart (test_honest_figures.py): here the
    # structure ones, the map and its legend.
    assert html.count("<svg") >= 3
    assert html.count("<table") >= len(selectors.INDICATORS)
    assert PERSON not in html and "p@example.org" not in html


def test_choropleth_colours_and_titles_each_departement(client, dataset):
    html = client.get("/statistiques/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    paths = re.findall(r'<path d="[^"]+" fill="(#[0-9a-f]{6})"[^>]*data-code="(\w+)"', html)
    assert len(paths) == 101
    colours = {code: colour for colour, code in paths}
    assert colours["60"] != colours["69"] != colours["75"]
    assert colours["75"] == choropleth.PALETTE[0]
    assert "<title>Oise (60): 2 poles</title>" in html
    assert '<a href="/territoires/hauts-de-france/oise/" tabindex="-1">' in html
    for code in ("971", "972", "973", "974", "976"):
        assert f'data-code="{code}"' in html


def test_choropleth_outlines_are_computed_once_and_cover_every_departement():
    outlines = choropleth.outlines()
    assert outlines is choropleth.outlines()
    assert len(outlines.departements) == 101
    assert {inset.code for inset in outlines.insets} == {"971", "972", "973", "974", "976"}
    assert all(outline.path.startswith("M") for outline in outlines.departements)
    # Every coordinate lies inside the drawing.
    for outline in outlines.departements:
        first = outline.path[1:].split("l", 1)[0]
        x, y = (float(number) for number in re.findall(r"-?[\d.]+", first)[:2])
        assert 0 <= x <= outlines.width and 0 <= y <= outlines.height


@pytest.mark.parametrize(
    ("maximum", "classes"),
    [
        (0, []),
        (1, [(1, 1)]),
        (3, [(1, 1), (2, 2), (3, 3)]),
        (10, [(1, 3), (4, 6), (7, 9), (10, 10)]),
    ],
)
def test_colour_classes(maximum, classes):
    assert choropleth.colour_classes(maximum) == classes
    if classes:
        assert choropleth.class_of(maximum, classes) == len(classes)
        assert choropleth.colour(len(classes), len(classes)) == choropleth.PALETTE[-1]
    assert choropleth.class_of(0, classes) == 0


def test_indicator_csv(client, dataset):
    response = client.get("/statistiques/statuts.csv?departement=60")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv; charset=utf-8")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [
        {"status": "emergence", "poles": "0", "share": "0"},
        {"status": "actif", "poles": "1", "share": "50"},
        {"status": "en-sommeil", "poles": "0", "share": "0"},
        {"status": "ferme", "poles": "1", "share": "50"},
        {"status": "a-confirmer", "poles": "0", "share": "0"},
    ]
    figures = client.get("/statistiques/chiffres-cles.csv").content.decode()
    assert figures.splitlines()[0] == (
        "year,etp_poles,etp_total,etp_median,turnover_poles,turnover_total,turnover_median"
    )
    assert "2023,3,32.5,7.5,1,300000,300000" in figures


@pytest.mark.parametrize("slug", list(selectors.INDICATORS))
def test_every_indicator_csv_answers(client, dataset, slug):
    response = client.get(f"/statistiques/{slug}.csv")
    assert response.status_code == 200
    assert PERSON not in response.content.decode()


def test_unknown_indicator_and_invalid_filters(client, db):
    assert client.get("/statistiques/inconnu.csv").status_code == 404
    response = client.get("/statistiques/statuts.csv?statut=nope")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    page = client.get("/statistiques/?region=zz")
    assert page.status_code == 200
    assert 'role="alert"' in page.content.decode()
    assert 'class="obs-indicator"' not in page.content.decode()


def test_page_queries_do_not_grow_with_the_data(client, dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(40) as small:
        client.get("/statistiques/")
    for index in range(20):
        pole = located_pole("60333", slug=f"obs-more-{index}", founded_year=2000 + index)
        pole.sectors.set(Sector.objects.filter(slug="formation"))
        KeyFigureFactory(pole=pole, year=2023)
        MembershipFactory(pole=pole, structure=structure(f"Obs more {index}", "association"))
    with django_assert_max_num_queries(40) as large:
        client.get("/statistiques/?secteur=formation")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_seed_data_gives_real_numbers(client, seeded):
    from tests.seed_data import seed_rows

    total = len(seed_rows())
    html = client.get("/statistiques/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Based on {total} poles." in html
    assert f"(n = {total})" in html
    # The map colours départements by their seats: the Oise has one.
    assert "<title>Oise (60): 1 pole</title>" in html
    # Statuses: the unconfirmed ones are counted apart from the active ones.
    result = client.get("/statistiques/statuts.csv")
    rows = {line.split(",")[0]: line for line in result.content.decode().splitlines()[1:]}
    unconfirmed = sum(row["status"] == "a-confirmer" for row in seed_rows())
    active = sum(row["status"] == "actif" for row in seed_rows())
    assert rows["a-confirmer"].split(",")[1] == str(unconfirmed)
    assert rows["actif"].split(",")[1] == str(active)


def test_national_landmarks_show_with_their_year_and_sources(client, seeded):
    page = client.get("/statistiques/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Repères nationaux" in html
    assert "140 PTCE répertoriés par l'État en mai 2023." in html.replace("&#x27;", "'")
    assert 'href="https://www.economie.gouv.fr/ess-lancement-ami-soutenir' in html
    assert "<strong>2023</strong>" in html
    english = client.get("/statistiques/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "National landmarks" in english
    assert "140 PTCE listed by the State in May 2023." in english


def test_an_indicator_on_fewer_than_five_poles_is_greyed_with_a_warning(client, seeded):
    html = client.get("/statistiques/?reconnaissance=ami-2024").content.decode()
    assert "(n = 1)" in html
    assert "obs-indicator--thin" in html
    assert "Moins de 5 pôles : trop peu pour conclure." in html
    # The whole directory rests on enough poles.
    assert 'class="obs-indicator" id="statuts"' in client.get("/statistiques/").content.decode()


def test_a_ranked_search_selects_the_poles_of_every_indicator(client, dataset):
    """On PostgreSQL the search annotates and orders by rank: the aggregations must
    ignore both."""
    from poles.services import refresh_search_texts

    dataset["p2"].name = "Pôle numérique de Beauvais"
    dataset["p2"].save()
    refresh_search_texts(Pole.objects.all())
    result = indicators("q=numerique beauvais")
    assert result["statuts"].base == 1
    assert result["insertion"].rows[0]["structures"] == 2  # s1 and s3
    response = client.get("/statistiques/?q=numerique+beauvais&tri=-etp")
    assert response.status_code == 200
