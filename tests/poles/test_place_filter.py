"""Finding poles by place (issue 17): the place field (`lieu`), a commune named in the
free-text search, postal codes, and sorting by distance, as a visitor sees them on
/poles/ without JavaScript."""

import re
from html import unescape

import pytest

from poles.models import Pole
from poles.services import refresh_search_texts
from territories.models import EPCI
from tests.factories import PoleFactory, located_pole

from .test_filters import BRAY, listed

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's text, tags and surplus spaces removed."""
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(unescape(content).split())


def place_value(response) -> str:
    found = re.search(
        r'<input type="text" name="lieu"(?: value="([^"]*)")?', response.content.decode()
    )
    assert found, "no place field"
    return unescape(found[1] or "")


def directory(client, **params):
    return client.get("/poles/", params, HTTP_ACCEPT_LANGUAGE="en")


def listed_all(client, **params) -> set[str]:
    return set(listed(directory(client, **params)))


# --- Item 1: a commune typed as text -------------------------------------------------


def test_searching_a_commune_finds_the_poles_acting_there(client, seeded):
    """`q=Beauvais` found no pole: only seat communes were searched. The Pays de Bray
    pole acts on the whole Oise, so it covers Beauvais."""
    by_code = listed_all(client, commune="60057")
    assert BRAY in by_code
    found = listed_all(client, q="Beauvais")
    assert BRAY in found
    assert by_code <= found
    # Accents and case do not matter; other words must still match.
    assert BRAY in listed_all(client, q="beauvais")
    assert listed_all(client, q="Beauvais zzzzqqq") == set()


def test_a_commune_in_a_longer_search_narrows_by_territory(client, db):
    """ "recyclerie Beauvais": the poles acting on Beauvais that match "recyclerie"."""
    acting = PoleFactory(name="Recyclerie de test", summary="Une recyclerie.")
    acting.territory_departements.set(["60"])
    other = PoleFactory(name="Ressourcerie de test", summary="Une ressourcerie.")
    other.territory_departements.set(["60"])
    located_pole("13055", name="Recyclerie marseillaise de test", summary="Une recyclerie.")
    refresh_search_texts(Pole.objects.all())
    assert listed_all(client, q="recyclerie Beauvais") == {"Recyclerie de test"}
    assert listed_all(client, q="recyclerie") == {
        "Recyclerie de test",
        "Recyclerie marseillaise de test",
    }


def test_the_place_field_resolves_a_typed_name_without_javascript(client, seeded):
    response = directory(client, lieu="beauvais")
    assert set(listed(response)) == listed_all(client, commune="60057")
    # The field now shows the place it was read as, and the page names it.
    assert place_value(response) == "Beauvais (60)"
    assert "Place: Beauvais (60) (commune)" in text(response)


def test_an_ambiguous_name_lists_the_places_it_may_mean(client, seeded):
    response = directory(client, lieu="Saint-Denis", secteur="agriculture")
    assert listed(response) == []
    page = text(response)
    assert "Several places match “Saint-Denis”: choose one in the list." in page
    assert "Which place do you mean by “Saint-Denis”?" in page
    links = re.findall(r'<a href="(\?[^"]*lieu=[^"]*)">([^<]+)</a>', response.content.decode())
    labels = [unescape(label) for _href, label in links]
    assert "Saint-Denis (93)" in labels
    assert "Saint-Denis (974)" in labels
    href = unescape(next(href for href, label in links if unescape(label) == "Saint-Denis (93)"))
    # The choice keeps the other filters.
    assert "secteur=agriculture" in href
    chosen = client.get("/poles/" + href)
    assert set(listed(chosen)) == listed_all(client, commune="93066", secteur="agriculture")


def test_departement_region_and_epci_names_resolve(client, seeded):
    assert listed_all(client, lieu="Oise (60)") == listed_all(client, departement="60")
    assert listed_all(client, lieu="oise") == listed_all(client, departement="60")
    assert listed_all(client, lieu="Hauts-de-France") == listed_all(client, region="32")
    assert listed_all(client, lieu="60") == listed_all(client, departement="60")
    epci = EPCI.objects.get(communes__code="60057")
    assert BRAY in listed_all(client, lieu=epci.name)


def test_an_epci_finds_the_poles_acting_on_it_or_on_its_communes(client, db):
    epci = EPCI.objects.get(communes__code="60057")
    on_epci = PoleFactory(name="Pôle intercommunal de test")
    on_epci.territory_epcis.set([epci])
    on_commune = PoleFactory(name="Pôle communal de test")
    on_commune.territory_communes.set(["60057"])
    located_pole("60333", name="Pôle hors EPCI de test")
    assert listed_all(client, lieu=epci.name) == {
        "Pôle intercommunal de test",
        "Pôle communal de test",
    }


def test_an_unknown_place_is_an_error_not_a_widened_list(client, seeded):
    response = directory(client, lieu="Zzyzzyx")
    assert listed(response) == []
    assert "No commune, EPCI, département or région matches “Zzyzzyx”." in text(response)


def test_a_partial_name_offers_the_places_it_starts(client, seeded):
    """The old field kept 5 characters: "Beauvais" became "Beauv"."""
    response = directory(client, lieu="Beauv")
    page = text(response)
    assert "Which place do you mean by “Beauv”?" in page
    assert "Beauvais (60)" in page


# --- Item 2: postal codes ------------------------------------------------------------


def test_a_postal_code_finds_the_poles_of_its_communes_and_says_which(client, db):
    located_pole("60001", name="Pôle d'Abancourt de test")  # postal code 60220
    located_pole("60220", name="Pôle d'Espaubourg de test")  # INSEE 60220, postal 60650
    response = directory(client, lieu="60220")
    assert listed(response) == ["Pôle d'Abancourt de test"]
    page = text(response)
    assert "Postal code 60220: the poles whose territory covers one of its" in page
    assert "Abancourt (60)" in page
    assert "Blargies (60)" in page
    # The commune whose INSEE code it is, one link away.
    assert "60220 is also the INSEE code of a commune: the poles of Espaubourg (60)" in page


def test_a_commune_code_that_is_also_a_postal_code_names_its_commune(client, db):
    """`commune=60220` was read silently as Espaubourg's INSEE code: links keep that
    meaning, and the page now names the commune and mentions the postal code."""
    located_pole("60001", name="Pôle d'Abancourt de test")
    located_pole("60220", name="Pôle d'Espaubourg de test")
    response = directory(client, commune="60220")
    assert listed(response) == ["Pôle d'Espaubourg de test"]
    page = text(response)
    assert "Commune with the INSEE code 60220: Espaubourg (60)." in page
    assert "60220 is also a postal code: the poles of postal code 60220" in page
    assert place_value(response) == "Espaubourg (60)"
    # Resubmitting the form sends the place field: the same commune.
    assert listed(directory(client, lieu="Espaubourg (60)")) == ["Pôle d'Espaubourg de test"]


def test_a_postal_code_given_as_commune_resolves_to_its_communes(client, seeded):
    response = directory(client, commune="60000")
    assert set(listed(response)) == listed_all(client, commune="60057")
    page = text(response)
    assert "Postal code 60000: the poles whose territory covers" in page
    assert "Beauvais (60)" in page


def test_bad_commune_values_keep_their_field_with_the_error(client, seeded):
    for value, message in [
        ("99999", "No commune has the INSEE code or postal code 99999."),
        ("abc", "No commune matches “abc”."),
    ]:
        response = directory(client, commune=value)
        assert listed(response) == []
        assert message in text(response)
        assert 'data-field-error="commune"' in response.content.decode()
        assert f'name="commune" value="{value}"' in response.content.decode()


# --- Distance --------------------------------------------------------------------------


def test_around_me_sorts_by_distance_and_shows_it(client, db):
    located_pole("60057", name="Pôle de Beauvais de test")
    located_pole("60333", name="Pôle de Lachapelle de test")
    located_pole("13055", name="Pôle de Marseille de test")
    PoleFactory(name="Pôle sans siège de test")
    # Near Beauvais, more precise than the site keeps.
    response = directory(client, autour="49.436123,2.086134")
    assert listed(response) == [
        "Pôle de Beauvais de test",
        "Pôle de Lachapelle de test",
        "Pôle de Marseille de test",
        "Pôle sans siège de test",
    ]
    page = text(response)
    assert "Sorted by distance from your position" in page
    # The form carries the position on, rounded.
    assert 'name="autour" value="49.44,2.09"' in response.content.decode()
    distances = [
        float(d) for d in re.findall(r'data-distance-km="([0-9.]+)"', response.content.decode())
    ]
    assert distances == sorted(distances)
    assert distances[0] < 1
    assert 10 < distances[1] < 15  # Lachapelle-aux-Pots
    assert 650 < distances[2] < 800  # Marseille
    assert "no seat position: distance unknown" in page


def test_a_chosen_commune_sorts_by_distance_from_it(client, db):
    for code, name in [("60057", "Beauvais"), ("60333", "Lachapelle"), ("80021", "Amiens")]:
        pole = located_pole(code, name=f"Pôle de {name} de test")
        pole.territory_regions.set(["32"])  # each covers every commune of the région
    response = directory(client, lieu="Lachapelle-aux-Pots (60)", tri="distance")
    assert listed(response) == [
        "Pôle de Lachapelle de test",
        "Pôle de Beauvais de test",
        "Pôle de Amiens de test",
    ]
    assert "km away" in text(response)
    # By name otherwise, distances still shown.
    by_name = directory(client, lieu="Lachapelle-aux-Pots (60)")
    assert listed(by_name) == sorted(listed(response))
    assert 'data-distance-km="0.0"' in by_name.content.decode()


def test_distance_without_a_position_says_how_to_get_one(client, seeded):
    response = directory(client, tri="distance")
    assert listed(response) == listed(directory(client))
    assert "To sort by distance, choose a commune in the place field" in text(response)


@pytest.mark.parametrize("value", ["abc", "91,0", "1,200", "49.4", "49.4,2.1,3", "١,٢"])
def test_an_invalid_position_is_an_error(client, seeded, value):
    response = directory(client, autour=value)
    assert response.status_code == 200
    assert listed(response) == []
    assert "The position must be a latitude and a longitude" in text(response)
