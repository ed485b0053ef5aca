"""The API's read endpoints: what a client reads, the directory's filters with their
meaning, pagination, languages and problem details."""

import pytest

from members.models import Cooperator
from poles.models import Pole, Sector
from tests.factories import (
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    PoleFactory,
    located_pole,
)

pytestmark = pytest.mark.django_db


def test_the_poles_list_gives_published_poles_only_by_name(client):
    located_pole("60333", name="Bêta", slug="beta")
    located_pole("60333", name="Alpha", slug="alpha")
    PoleFactory(name="Brouillon", slug="brouillon", is_published=False)

    response = client.get("/api/v1/poles/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["count"] == 2
    assert [pole["slug"] for pole in body["results"]] == ["alpha", "beta"]
    alpha = body["results"][0]
    assert alpha["seat"]["commune"] == {"code": "60333", "name": "Lachapelle-aux-Pots"}
    assert alpha["seat"]["departement"]["code"] == "60"
    assert alpha["status"] == {"code": "actif", "label": "actif"}


def test_the_poles_list_takes_the_directory_filters_with_their_meaning(client):
    in_oise = located_pole("60333", name="Oise", slug="oise")
    located_pole("75056", name="Paris", slug="paris")
    food = Sector.objects.order_by("pk").first()
    in_oise.sectors.add(food)

    by_departement = client.get("/api/v1/poles/?departement=60").json()
    by_sector = client.get(f"/api/v1/poles/?secteur={food.slug}").json()
    by_region = client.get("/api/v1/poles/?region=11").json()

    assert [pole["slug"] for pole in by_departement["results"]] == ["oise"]
    assert [pole["slug"] for pole in by_sector["results"]] == ["oise"]
    assert by_sector["results"][0]["sectors"] == [{"slug": food.slug, "label": food.name}]
    assert [pole["slug"] for pole in by_region["results"]] == ["paris"]


def test_empty_filters_list_what_no_filter_lists(client):
    for number in range(3):
        located_pole("60333", name=f"Pôle {number}", slug=f"pole-{number}")
    PoleFactory(name="Brouillon", slug="brouillon", is_published=False)

    unfiltered = client.get("/api/v1/poles/?page_size=2&page=2").json()
    empty = client.get("/api/v1/poles/?page_size=2&page=2&statut=&q=&secteur=").json()

    assert unfiltered["count"] == empty["count"] == 3
    assert unfiltered["results"] == empty["results"]
    assert [pole["slug"] for pole in unfiltered["results"]] == ["pole-2"]


def test_an_invalid_filter_is_a_problem_naming_the_parameter(client):
    response = client.get("/api/v1/poles/?departement=999&statut=nope")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert problem["type"].endswith("/api/v1/docs/#problem-invalid-parameters")
    assert problem["instance"] == "/api/v1/poles/?departement=999&statut=nope"
    assert set(problem["errors"]) == {"departement", "statut"}


def test_pages_are_stable_and_bounded(client):
    for number in range(5):
        PoleFactory(name="Même nom", slug=f"meme-nom-{number}")

    first = client.get("/api/v1/poles/?page_size=2").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    slugs = [p["slug"] for page in (first, second, third) for p in page["results"]]
    assert sorted(slugs) == [f"meme-nom-{n}" for n in range(5)]
    assert len(set(slugs)) == 5
    assert third["next"] is None
    assert client.get("/api/v1/poles/?page=9").status_code == 404
    invalid = client.get("/api/v1/poles/?page=abc")
    assert invalid.status_code == 400
    assert list(invalid.json()["errors"]) == ["page"]
    assert client.get("/api/v1/poles/?page_size=1000").status_code == 400


def test_a_pole_detail_shows_members_figures_and_only_consenting_persons(client):
    pole = located_pole("60333", name="Pôle détaillé", slug="pole-detaille")
    MembershipFactory(pole=pole, structure__name="Association A", role="animator")
    KeyFigureFactory(pole=pole, year=2022, etp=12, turnover=300_000)
    CooperatorFactory(pole=pole, kind=Cooperator.Kind.ORGANISATION, name="Mairie")
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name="Personne Discrète",
        email="discrete@example.org",
    )
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name="Personne Publique",
        consents_to_publication=True,
        consent_recorded_on="2024-01-01",
    )

    response = client.get("/api/v1/poles/pole-detaille/")

    assert response.status_code == 200
    body = response.json()
    assert body["members"][0]["structure"]["name"] == "Association A"
    assert body["members"][0]["role"]["code"] == "animator"
    assert body["key_figures"][0]["year"] == 2022
    assert body["key_figures"][0]["etp"] == 12.0
    assert body["cooperators"]["organisations"] == ["Mairie"]
    assert body["cooperators"]["named_persons"] == ["Personne Publique"]
    assert body["cooperators"]["person_count"] == 2
    assert "Personne Discrète" not in response.content.decode()
    assert "discrete@example.org" not in response.content.decode()


def test_an_unpublished_or_unknown_pole_is_a_404_problem(client):
    PoleFactory(slug="cache", is_published=False)

    for url in ("/api/v1/poles/cache/", "/api/v1/poles/inconnu/", "/api/v1/nothing-here"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 404


def test_labels_follow_lang_and_accept_language(client):
    located_pole("60333", slug="bilingue")

    french = client.get("/api/v1/poles/bilingue/").json()
    english = client.get("/api/v1/poles/bilingue/?lang=en").json()
    by_header = client.get("/api/v1/poles/bilingue/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert french["status"]["label"] == "actif"
    assert english["status"]["label"] == "active"
    assert by_header["status"]["label"] == "active"
    assert client.get("/api/v1/poles/?lang=de").status_code == 400


def test_structures_are_those_of_published_poles(client):
    shown = MembershipFactory(pole=PoleFactory(slug="publie"), structure__name="Visible")
    MembershipFactory(
        pole=PoleFactory(slug="brouillon", is_published=False), structure__name="Cachée"
    )

    listed = client.get("/api/v1/structures/").json()
    detail = client.get(f"/api/v1/structures/{shown.structure_id}/").json()

    assert [s["name"] for s in listed["results"]] == ["Visible"]
    assert detail["poles"][0]["slug"] == "publie"
    assert client.get("/api/v1/structures/?siret=abc").status_code == 400
    assert client.get("/api/v1/structures/999999999999999999/").status_code == 404


def test_territories_with_their_poles(client):
    located_pole("60333", slug="bray")

    regions = client.get("/api/v1/regions/").json()
    hauts_de_france = client.get("/api/v1/regions/32/").json()
    oise = client.get("/api/v1/departements/60/").json()
    commune = client.get("/api/v1/communes/60333/").json()
    communes = client.get("/api/v1/communes/?departement=60&q=lachapelle").json()

    assert next(r for r in regions if r["code"] == "32")["pole_count"] == 1
    assert hauts_de_france["poles"] == [{"slug": "bray", "name": Pole.objects.get().name}]
    assert oise["pole_count"] == 1
    assert commune["poles"][0]["slug"] == "bray"
    assert "60333" in [c["code"] for c in communes["results"]]
    epci = commune["epci"]
    assert client.get(f"/api/v1/epcis/{epci}/").json()["poles"][0]["slug"] == "bray"
    assert client.get("/api/v1/departements/00/").status_code == 404


def test_reference_lists_and_indicators(client):
    located_pole("60333", slug="bray")
    for name in (
        "sectors",
        "pooling-types",
        "networks",
        "recognitions",
        "legal-forms",
        "approvals",
        "headcount-bands",
        "statuses",
    ):
        response = client.get(f"/api/v1/{name}/")
        assert response.status_code == 200, name
        assert response.json(), name
    indicators = client.get("/api/v1/indicators/?departement=60").json()
    statuses = next(i for i in indicators if i["slug"] == "statuts")
    assert statuses["base"] == 1
    assert client.get("/api/v1/indicators/statuts/").json()["slug"] == "statuts"
    assert client.get("/api/v1/indicators/nope/").status_code == 404


def test_index_docs_and_openapi(client):
    index = client.get("/api/v1/").json()
    docs = client.get("/api/v1/docs/")
    schema = client.get("/api/v1/openapi.json")

    assert index["endpoints"]["poles"] == "http://testserver/api/v1/poles/"
    assert docs.status_code == 200
    assert "GET /api/v1/poles/" in docs.content.decode()
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/poles/?q=%00",
        "/api/v1/poles/?q=%E2%82%AC",
        "/api/v1/poles/?commune=%00",
        "/api/v1/poles/?commune=99999",
        "/api/v1/poles/?secteur=a&secteur=" + "&secteur=".join(str(n) for n in range(40)),
        "/api/v1/poles/?page=99999999999999999999",
        "/api/v1/poles/?page_size=0",
        "/api/v1/poles/?tri=%27",
        "/api/v1/structures/?pole=%00",
        "/api/v1/structures/?siret=%00",
        "/api/v1/communes/?q=%00",
        "/api/v1/communes/?departement=%00",
        "/api/v1/epcis/?departement=2C",
        "/api/v1/structures/000000000000000000/",
        "/api/v1/indicators/?region=%00",
        "/api/v1/poles/%00/",
    ],
)
def test_hostile_input_gets_a_problem_never_a_server_error(client, url):
    response = client.get(url)

    assert response.status_code in (200, 400, 404), url
    if response.status_code != 200:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code
