"""Sorting by distance when a pole has no seat position of its own (issue 17): from its
seat commune's centre, else by territory, as a visitor sees it on /poles/ and as the
API orders it, on SQLite and PostgreSQL."""

import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from poles.models import Pole, Sector
from territories.models import EPCI, Commune
from tests.factories import PoleFactory, directory_poles, located_pole

from .test_filters import listed

pytestmark = pytest.mark.django_db

NEAR_BEAUVAIS = "49.44,2.09"


def directory(client, language="en", **params):
    response = client.get("/poles/", params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def cards(response) -> dict[str, str]:
    """Each listed pole's card as text (tags and surplus spaces removed), by name."""
    found = re.findall(
        r'<li class="pole-card">\s*<h3><a href="[^"]+">(.*?)</a>(.*?)</li>',
        response.content.decode(),
        re.S,
    )
    return {
        unescape(name): " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
        for name, body in found
    }


def distances(response) -> list[float]:
    return [
        float(value)
        for value in re.findall(r'data-distance-km="([0-9.]+)"', response.content.decode())
    ]


def unlocated_pole(name: str, **kwargs):
    """A published pole without coordinates of its own (created without the admin's
    clean(), which would copy its seat commune's): the imports and the seed of old
    records leave some so."""
    return PoleFactory(name=name, latitude=None, longitude=None, **kwargs)


# --- 1. From the seat commune's centre -------------------------------------------------


def test_a_pole_without_a_position_is_measured_from_its_seat_communes_centre(client):
    located_pole("60057", name="Pôle de Beauvais")
    located_pole("13055", name="Pôle de Marseille")
    unlocated_pole("Pôle de Lachapelle", seat_commune=Commune.objects.get(code="60333"))
    unlocated_pole("Pôle sans siège")

    response = directory(client, autour=NEAR_BEAUVAIS)

    # Among the others by that distance, no longer last.
    assert listed(response) == [
        "Pôle de Beauvais",
        "Pôle de Lachapelle",
        "Pôle de Marseille",
        "Pôle sans siège",
    ]
    assert distances(response) == sorted(distances(response))
    assert len(distances(response)) == 3
    card = cards(response)
    assert "about 12 km away (centre of Lachapelle-aux-Pots)" in card["Pôle de Lachapelle"]
    # A pole with its own position says plainly how far it is.
    assert "about" not in card["Pôle de Beauvais"]
    assert re.search(r"\b0\.[0-9] km away", card["Pôle de Beauvais"])
    assert "no seat position: distance unknown" in card["Pôle sans siège"]


def test_the_commune_centre_is_said_in_french(client):
    unlocated_pole("Pôle de Lachapelle", seat_commune=Commune.objects.get(code="60333"))
    response = directory(client, language="fr", autour=NEAR_BEAUVAIS)
    assert (
        "à environ 12 km (centre de Lachapelle-aux-Pots)" in cards(response)["Pôle de Lachapelle"]
    )


def test_a_chosen_commune_measures_from_seat_communes_too(client):
    located_pole("80021", name="Pôle d'Amiens")
    unlocated_pole("Pôle de Lachapelle", seat_commune=Commune.objects.get(code="60333"))
    for name in ("Pôle d'Amiens", "Pôle de Lachapelle"):
        Pole.objects.get(name=name).territory_regions.set(["32"])
    response = directory(client, lieu="Beauvais (60)", tri="distance")
    assert listed(response) == ["Pôle de Lachapelle", "Pôle d'Amiens"]
    assert (
        "about 12 km away (centre of Lachapelle-aux-Pots)" in cards(response)["Pôle de Lachapelle"]
    )


# --- 2. Without any position: by territory ---------------------------------------------


@pytest.fixture
def territorial_poles(db):
    """Poles without any position, named so that their alphabetical order is the
    reverse of their territorial one around Beauvais, and a located pole."""
    beauvaisis = EPCI.objects.get(code="200067999")  # CA du Beauvaisis
    acting = {
        "A dans les Hauts-de-France": ("territory_regions", ["32"]),
        "B dans l'Oise": ("territory_departements", ["60"]),
        "C dans le Beauvaisis": ("territory_epcis", [beauvaisis]),
        "D à Beauvais": ("territory_communes", ["60057"]),
    }
    for name, (field, values) in acting.items():
        getattr(unlocated_pole(name), field).set(values)
    amiens = located_pole("80021", name="E à Amiens")
    amiens.territory_regions.set(["32"])


def test_poles_without_a_position_follow_by_territory_of_the_chosen_commune(
    client, territorial_poles
):
    response = directory(client, lieu="Beauvais (60)", tri="distance")
    assert listed(response) == [
        "E à Amiens",
        "D à Beauvais",
        "C dans le Beauvaisis",
        "B dans l'Oise",
        "A dans les Hauts-de-France",
    ]
    card = cards(response)
    assert "no seat position · present in the commune: Beauvais" in card["D à Beauvais"]
    assert (
        "no seat position · present in the intercommunality: CA du Beauvaisis"
        in card["C dans le Beauvaisis"]
    )
    assert "no seat position · present in the département: Oise" in card["B dans l'Oise"]
    assert (
        "no seat position · present in the région: Hauts-de-France"
        in card["A dans les Hauts-de-France"]
    )
    # Sorted by name, the cards still say where each pole is.
    by_name = directory(client, lieu="Beauvais (60)")
    assert listed(by_name) == sorted(listed(response))
    assert "present in the département: Oise" in cards(by_name)["B dans l'Oise"]


def test_a_place_typed_in_part_names_its_epci_too(client):
    """A name typed without JavaScript and found from its start (not from an exact
    name) orders and names the same way."""
    unlocated_pole("Pôle du Pays de Bray").territory_epcis.set(["246000913"])
    unlocated_pole("Pôle de l'Oise").territory_departements.set(["60"])
    response = directory(client, lieu="lachapelle-aux-po", tri="distance")
    assert listed(response) == ["Pôle du Pays de Bray", "Pôle de l'Oise"]
    assert (
        "present in the intercommunality: CC du Pays de Bray"
        in cards(response)["Pôle du Pays de Bray"]
    )


def test_a_postal_code_ranks_by_the_territories_of_its_communes(client):
    """60000 is Beauvais and Allonne: a pole acting on either is in its communes."""
    unlocated_pole("Pôle d'Allonne").territory_communes.set(["60009"])
    unlocated_pole("Pôle de l'Oise").territory_departements.set(["60"])
    unlocated_pole("Pôle du Beauvaisis").territory_epcis.set(["200067999"])
    response = directory(client, lieu="60000", tri="distance")
    assert listed(response) == ["Pôle d'Allonne", "Pôle du Beauvaisis", "Pôle de l'Oise"]
    card = cards(response)
    assert "no seat position · present in a commune of postal code 60000" in card["Pôle d'Allonne"]
    assert "present in the intercommunality: CA du Beauvaisis" in card["Pôle du Beauvaisis"]


def test_the_territory_is_said_in_french(client, territorial_poles):
    card = cards(directory(client, language="fr", lieu="Beauvais (60)", tri="distance"))
    assert "siège non localisé · présent dans le département : Oise" in card["B dans l'Oise"]
    assert "siège non localisé · présent dans la commune : Beauvais" in card["D à Beauvais"]


def test_around_me_ranks_poles_without_a_position_by_the_nearest_communes_territory(
    client, territorial_poles
):
    """No place filter: every pole is listed. The position's territory is that of the
    commune whose centre is nearest (Beauvais); a pole acting on a neighbouring commune
    of its EPCI, or elsewhere in its département or région, follows in that order, and
    a pole of another région comes last, with the poles without any territory."""
    unlocated_pole("0 à Allonne").territory_communes.set(["60009"])  # CA du Beauvaisis
    unlocated_pole("1 à Lachapelle").territory_communes.set(["60333"])  # another EPCI of Oise
    unlocated_pole("2 dans la Somme").territory_departements.set(["80"])
    unlocated_pole("3 à Marseille").territory_communes.set(["13055"])
    unlocated_pole("4 sans territoire")

    response = directory(client, autour=NEAR_BEAUVAIS)

    assert listed(response) == [
        "E à Amiens",
        "D à Beauvais",
        "0 à Allonne",
        "C dans le Beauvaisis",
        "1 à Lachapelle",
        "B dans l'Oise",
        "2 dans la Somme",
        "A dans les Hauts-de-France",
        "3 à Marseille",
        "4 sans territoire",
    ]
    card = cards(response)
    assert "present in the commune: Beauvais" in card["D à Beauvais"]
    assert "present in the intercommunality: CA du Beauvaisis" in card["0 à Allonne"]
    assert "present in the département: Oise" in card["1 à Lachapelle"]
    assert "present in the région: Hauts-de-France" in card["2 dans la Somme"]
    assert "no seat position: distance unknown" in card["3 à Marseille"]
    assert "present in" not in card["3 à Marseille"]


def test_a_seat_commune_without_coordinates_ranks_by_its_territory(client):
    """Celles (Cantal) has no known centre: a pole seated there has no distance, but
    its seat is in the EPCI of Murat, the commune nearest to the position."""
    unlocated_pole("Pôle de Celles", seat_commune=Commune.objects.get(code="15031"))
    unlocated_pole("Pôle du Cantal").territory_departements.set(["15"])
    response = directory(client, autour="45.13,2.85")
    assert listed(response) == ["Pôle de Celles", "Pôle du Cantal"]
    assert "present in the intercommunality: CC Hautes Terres" in cards(response)["Pôle de Celles"]


def test_a_position_far_from_every_commune_lists_poles_without_one_by_name(client):
    located_pole("60057", name="Pôle de Beauvais")
    unlocated_pole("B dans l'Oise").territory_departements.set(["60"])
    unlocated_pole("A à Marseille").territory_communes.set(["13055"])
    # In the Atlantic, far from any commune's centre.
    response = directory(client, autour="45.00,-12.00")
    assert listed(response) == ["Pôle de Beauvais", "A à Marseille", "B dans l'Oise"]
    assert "present in" not in response.content.decode()


@pytest.mark.parametrize(
    "position", ["90,180", "-90,-180", "0,0", "89.99,-179.99", "-21.11,55.53", "4.93,-52.33"]
)
def test_any_valid_position_sorts_without_error(client, territorial_poles, position):
    response = directory(client, autour=position, tri="distance")
    assert len(listed(response)) == 5


# --- The map and the API ---------------------------------------------------------------


def test_the_map_still_shows_only_poles_with_their_own_position(client, territorial_poles):
    unlocated_pole("Pôle de Lachapelle", seat_commune=Commune.objects.get(code="60333"))
    response = client.get("/poles.geojson", {"autour": NEAR_BEAUVAIS})
    data = json.loads(response.content)
    assert [feature["properties"]["name"] for feature in data["features"]] == ["E à Amiens"]
    assert data["poles_without_position"] == 5


def test_the_api_sorts_by_distance_the_same_way(client, territorial_poles):
    unlocated_pole("Pôle de Lachapelle", seat_commune=Commune.objects.get(code="60333"))
    names = [
        row["name"]
        for row in client.get(
            "/api/v1/poles/", {"autour": NEAR_BEAUVAIS, "tri": "distance"}
        ).json()["results"]
    ]
    assert names == [
        "Pôle de Lachapelle",
        "E à Amiens",
        "D à Beauvais",
        "C dans le Beauvaisis",
        "B dans l'Oise",
        "A dans les Hauts-de-France",
    ]
    by_commune = client.get("/api/v1/poles/", {"commune": "60057", "tri": "distance"}).json()
    assert [row["name"] for row in by_commune["results"]] == [
        "E à Amiens",
        "D à Beauvais",
        "C dans le Beauvaisis",
        "B dans l'Oise",
        "A dans les Hauts-de-France",
    ]


# --- Query budget ----------------------------------------------------------------------


def _directory_queries(client, url) -> int:
    # Once first: the filter form's lists and the named places are then cached under
    # the data version (caching.versioned), as they are for every request but the first.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert "pole-card" in response.content.decode()
    return len(queries)


@pytest.mark.parametrize(
    ("query", "without_distance", "more"),
    [
        # A position costs its nearest commune, and the rows with their distance are read
        # apart from their sectors (the unfiltered rows come with theirs): two more; the
        # page without filters reads the poles of its map's first screen, cached under
        # the data version it has already read: none.
        (f"?autour={NEAR_BEAUVAIS}", "", 2),
        # A place costs none beyond its resolution (the same place sorted by name).
        ("?commune=60057&tri=distance", "?commune=60057&tri=nom", 0),
        ("?lieu=Beauvais+(60)&tri=distance", "?lieu=Beauvais+(60)&tri=nom", 0),
    ],
)
def test_distance_queries_do_not_grow_with_the_data(client, db, query, without_distance, more):
    """Poles measured from their seat commune and ranked by territory cost no query per
    pole."""
    sectors = list(Sector.objects.filter(slug="mobilite"))

    def more_poles(count):
        directory_poles(count, sectors=sectors)
        for number in range(count):
            unlocated_pole(
                f"Pôle sans position {count}-{number}",
                seat_commune=Commune.objects.get(code="60333") if number % 2 else None,
            ).territory_departements.set(["60"])

    more_poles(3)
    small = _directory_queries(client, f"/poles/{query}")
    more_poles(27)
    large = _directory_queries(client, f"/poles/{query}")
    assert small == large
    assert large == _directory_queries(client, f"/poles/{without_distance}") + more
