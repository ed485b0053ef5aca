"""Territory pages: the index with counts, a région, a département."""

import re

import pytest

from tests.factories import PoleFactory, commune
from tests.pages_data import rich_poles
from tests.poles.test_pages import text
from tests.seed_data import seed_names

pytestmark = pytest.mark.django_db


def pole_names(response) -> set[str]:
    return {pole["name"] for pole in response.context["poles"]}


def test_index_lists_regions_and_departements_with_counts(client, seeded):
    response = client.get("/territoires/")
    assert response.status_code == 200
    html = response.content.decode()
    regions = {region.code: region for region in response.context["regions"]}
    assert len(regions) == 18
    # Every région counts the poles the seed files place in it: seated there, or acting
    # there (the Pays de Bray in Normandie; région-only poles such as Auton'Homme).
    for code, region in regions.items():
        assert region.pole_count == len(seed_names(region=code)), region.name
    assert regions["32"].pole_count >= 4
    departements = {d.code: d for d in regions["32"].departement_list}
    for code in ("60", "59", "02", "62"):
        assert departements[code].pole_count == len(seed_names(departement=code)), code
    # Hauts-de-France-wide, Auton'Homme counts in the Aisne, where no pole is seated.
    assert departements["02"].pole_count == 1
    assert 'href="/territoires/hauts-de-france/oise/"' in html
    assert 'href="/territoires/guadeloupe/"' in html


def test_index_counts_agree_with_the_territory_pages(client, seeded):
    regions = client.get("/territoires/").context["regions"]
    for region in regions:
        response = client.get(region.get_absolute_url())
        assert len(response.context["poles"]) == region.pole_count, region.name
        for departement in region.departement_list:
            if departement.pole_count or departement.code in {"75", "60", "27"}:
                response = client.get(departement.get_absolute_url())
                assert len(response.context["poles"]) == departement.pole_count, departement


def test_region_page_shows_its_poles_map_and_figures(client, seeded):
    response = client.get("/territoires/hauts-de-france/")
    assert response.status_code == 200
    html = response.content.decode()
    assert pole_names(response) == seed_names(region="32")
    assert {"PTCE du Pays de Bray", "Initiatives et Cité", "PTCE Auton'Homme"} <= pole_names(
        response
    )
    assert 'data-feed-url="/poles/carte.json?region=32"' in html
    # The map's feed is asked for from the head, while the page loads (map-feed.js).
    head = html.split("</head>")[0]
    assert re.search(
        r'<link rel="preload" href="/poles/carte.json\?region=32"[^>]*data-ptce-feed', head
    )
    figures = response.context["figures"]
    assert figures["etp"].total == 145 and figures["etp"].years == "2014"
    assert re.search(r"4\D400\D000 €", text(response))
    assert 'href="/territoires/hauts-de-france/oise/"' in html  # its départements


def test_a_pole_appears_where_its_territory_of_action_reaches(client, seeded):
    eure = client.get("/territoires/normandie/eure/")
    assert eure.status_code == 200
    assert pole_names(eure) == seed_names(departement="27")
    assert "PTCE du Pays de Bray" in pole_names(eure)
    assert 'data-feed-url="/poles/carte.json?departement=27"' in eure.content.decode()
    # Resto Passerelle acts on the whole Île-de-France région: every département has it.
    paris = client.get("/territoires/ile-de-france/paris/")
    assert "Resto Passerelle" in pole_names(paris)


def test_region_only_poles_are_on_their_region_page_without_a_marker(client, seeded):
    bretagne = client.get("/territoires/bretagne/")
    names = pole_names(bretagne)
    assert {"Distro", "Ordi Grand Ouest", "Néo56"} <= names
    assert names == seed_names(region="53")
    assert "Distro" in text(bretagne)
    # On every département page of the région too, and in the région's exports.
    assert "Distro" in pole_names(client.get("/territoires/bretagne/finistere/"))
    csv = b"".join(client.get("/poles.csv?region=53").streaming_content).decode()
    assert "distro" in csv
    # No seat: no marker on the map.
    geojson = client.get("/poles.geojson?region=53").json()
    located = {feature["properties"].get("slug") for feature in geojson["features"]}
    assert "distro" not in located
    # La Réunion: Saint-Paul's pole and those placed only in the département.
    reunion = pole_names(client.get("/territoires/la-reunion/"))
    assert {"TOUR LETAN SIN POL", "JADES", "Réuniverre", "ÉCHOBAT La Réunion"} <= reunion


def test_departement_under_the_wrong_region_is_not_found(client, db):
    response = client.get("/territoires/normandie/oise/")
    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()
    assert client.get("/territoires/hauts-de-france/oise/").status_code == 200


def test_unknown_territories_are_not_found(client, db):
    assert client.get("/territoires/atlantide/").status_code == 404
    assert client.get("/territoires/hauts-de-france/atlantide/").status_code == 404


def test_unpublished_poles_are_left_out(client, db):
    seat = commune("60333")
    PoleFactory(name="Pôle synthétique caché", seat_commune=seat, is_published=False)
    response = client.get("/territoires/hauts-de-france/oise/")
    assert "Pôle synthétique caché" not in response.content.decode()
    index = client.get("/territoires/").context["regions"]
    assert next(r for r in index if r.code == "32").pole_count == 0


def test_overseas_and_corsica_pages_exist(client, db):
    assert client.get("/territoires/la-reunion/").status_code == 200
    assert client.get("/territoires/corse/corse-du-sud/").status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_territory_pages_queries_are_constant(client, django_assert_max_num_queries, count):
    rich_poles(count, size=3)
    for url, max_queries in (
        ("/territoires/hauts-de-france/", 6),
        ("/territoires/hauts-de-france/oise/", 5),
        ("/territoires/normandie/eure/", 5),
        ("/territoires/", 7),
    ):
        with django_assert_max_num_queries(max_queries):
            response = client.get(url)
            page = text(response)
        if "poles" in response.context:
            assert page.count("Pôle synthétique") >= count, url
            assert len(response.context["poles"]) == count


def test_territory_pages_list_their_poles_by_pages(client, db):
    """A territory with more poles than a page: its figures count them all, its list
    shows one page with links to the others, and the map feed is not paginated."""
    from poles.views import TERRITORY_PAGE_SIZE

    seat = commune("60333")
    for index in range(TERRITORY_PAGE_SIZE + 3):
        PoleFactory(name=f"Pôle paginé {index:03d}", seat_commune=seat)
    response = client.get("/territoires/hauts-de-france/oise/")
    page = text(response)
    assert response.context["pole_count"] == TERRITORY_PAGE_SIZE + 3
    assert len(response.context["poles"]) == TERRITORY_PAGE_SIZE
    assert f"{TERRITORY_PAGE_SIZE + 3} " in page
    assert 'href="?page=2"' in response.content.decode()
    second = client.get("/territoires/hauts-de-france/oise/", {"page": "2"})
    assert len(second.context["poles"]) == 3
    assert "Pôle paginé 052" in text(second)
    assert client.get("/territoires/hauts-de-france/oise/", {"page": "x"}).status_code == 200


def test_pole_cards_show_link_seat_status_summary_and_sectors(client, db):
    """Each card of a territory page: the pole's name linking to its page, its seat
    (commune and département), its status, summary and sectors in the sectors' order,
    in the visitor's language; a pole acting there without a seat has no seat line."""
    from poles.models import Pole, Sector
    from territories.models import Departement

    first, second = Sector.objects.order_by("position")[:2]
    PoleFactory(
        name="Pôle « carte » & Cie",
        slug="pole-carte",
        seat_commune=commune("60333"),
        status=Pole.Status.DORMANT,
        summary="Un résumé <court>.",
        sectors=[second, first],
    )
    without_seat = PoleFactory(name="Pôle sans siège", slug="pole-sans-siege", summary="")
    without_seat.territory_departements.add(Departement.objects.get(code="60"))

    html = client.get("/territoires/hauts-de-france/oise/").content.decode()
    # The same card as the directory's (poles/cards.py), values escaped.
    assert (
        '<li class="pole-card">\n<h3><a href="/poles/pole-carte/">Pôle « carte » &amp; Cie</a>'
        '</h3>\n<p class="meta">Lachapelle-aux-Pots (Oise) · <span class="status '
        'status--en-sommeil">En sommeil</span> · créé en 2015</p>\n'
        "<p>Un résumé &lt;court&gt;.</p>\n"
    ) in html
    assert (
        '<p class="pole-card__sectors"><span class="visually-hidden">Secteurs d&#x27;activité'
        f' : </span><span class="tag">{first.name}</span> <span class="tag">{second.name}'
        "</span></p>"
    ) in html
    assert (
        '<li class="pole-card">\n<h3><a href="/poles/pole-sans-siege/">Pôle sans siège</a>'
        '</h3>\n<p class="meta"><span class="status status--actif">Actif</span> · créé en 2015'
        "</p>\n</li>"
    ) in html

    english = client.get("/territoires/hauts-de-france/oise/", HTTP_ACCEPT_LANGUAGE="en")
    html = english.content.decode()
    assert '<span class="status status--en-sommeil">Dormant</span>' in html
    assert f'<span class="tag">{first.name_en}</span> <span class="tag">{second.name_en}' in html


def test_a_territory_reached_by_an_epci_lists_the_pole(client, db):
    """An EPCI spanning several départements brings its poles to each of them, and to
    their régions."""
    from territories.models import EPCI

    epci = EPCI.objects.filter(departements__isnull=False).first()
    departement = epci.departements.select_related("region").first()
    pole = PoleFactory(name="Pôle intercommunal de test")
    pole.territory_epcis.add(epci)
    for url in (departement.get_absolute_url(), departement.region.get_absolute_url()):
        assert "Pôle intercommunal de test" in pole_names(client.get(url)), url
