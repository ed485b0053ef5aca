"""/poles/ without JavaScript: the filter panel, the active filters as chips, the
département list that follows the région, and an empty result that says which filter
to drop (issue 17)."""

import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.text import capfirst

from poles.models import Network, Pole, PoolingType, Recognition
from territories.models import Commune
from tests.seed_data import seed_names, seed_rows

pytestmark = pytest.mark.django_db


def get(client, url, language="en", **extra):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language, **extra)
    assert response.status_code == 200
    return response.content.decode()


def chips(content: str) -> dict[str, str]:
    """Each chip's visible text → its link."""
    found = re.findall(
        r'<a class="filter-chip" href="([^"]*)"[^>]*>'
        r'<span class="visually-hidden">[^<]*</span>(.*?)<span class="filter-chip__remove"',
        content,
    )
    return {unescape(label): unescape(href) for href, label in found}


def panel(content: str) -> str:
    match = re.search(
        r"<details class=\"directory-filters-panel\"[^>]*>.*?</details>", content, re.S
    )
    assert match, "no filter panel"
    return match.group(0)


def departement_options(content: str) -> list[str]:
    select = re.search(r'<select name="departement".*?</select>', content, re.S).group(0)
    return [code for code in re.findall(r'<option value="([^"]*)"', select) if code]


def test_the_filters_sit_in_a_panel_closed_until_asked_for(client, seeded):
    content = get(client, "/poles/?departement=93&secteur=insertion-emploi")
    count = len(seed_names(departement="93", sectors="insertion-emploi"))
    assert count > 1
    details = panel(content)
    # A disclosure: it opens without JavaScript too; closed, so results come first.
    assert re.match(r'<details class="directory-filters-panel" data-filters-panel>', details)
    assert re.search(r"<summary[^>]*>Filters <span[^>]*>\(2\)</span></summary>", details)
    assert 'role="search"' in details
    assert f"Show the {count} poles</button>" in details
    # The result count comes before the map, the map before the list.
    assert (
        content.index("data-result-count")
        < content.index('id="directory-map"')
        < content.index('class="pole-card"')
    )
    # No filter: no number; one pole: singular; none: no number to show.
    plain = get(client, "/poles/")
    assert re.search(r"<summary[^>]*>Filters</summary>", panel(plain))
    assert f"Show the {len(seed_rows())} poles</button>" in plain
    assert "Show the pole</button>" in get(client, "/poles/?statut=ferme")
    assert "Show the results</button>" in get(client, "/poles/?q=zzyzx")
    # In French, as the issue asks.
    french = get(client, "/poles/?departement=93&secteur=insertion-emploi", language="fr")
    assert re.search(r"<summary[^>]*>Filtres <span[^>]*>\(2\)</span></summary>", french)
    assert f"Voir les {count} pôles</button>" in french


def test_the_panel_is_open_when_a_filter_is_invalid(client, seeded):
    content = get(client, "/poles/?commune=99999")
    assert re.match(r"<details [^>]*\bopen\b", panel(content))
    assert "No commune has the INSEE code or postal code 99999." in panel(content)


def test_each_active_filter_is_a_chip_that_removes_it(client, seeded):
    content = get(client, "/poles/?departement=60&secteur=agriculture&secteur=mobilite&tri=nom")
    assert chips(content) == {
        "Oise": "/poles/?secteur=agriculture&secteur=mobilite&tri=nom",
        "Agriculture": "/poles/?departement=60&secteur=mobilite&tri=nom",
        "Mobility": "/poles/?departement=60&secteur=agriculture&tri=nom",
    }
    # The chip says what it does to a screen reader: "Remove the filter Département: Oise".
    assert '<span class="visually-hidden">Remove the filter Département: </span>Oise' in content
    assert (
        '<a class="active-filters__clear" href="/poles/" data-filter-link>Clear the filters</a>'
        in (content)
    )
    # Every kind of filter is named as the form names it.
    content = get(
        client,
        "/poles/?q=bray&region=32&commune=60333&statut=actif&mutualisation=locaux"
        "&reseau=coorace&reconnaissance=ami-2021",
    )
    with translation.override("en"):
        expected = [
            "“bray”",
            "Hauts-de-France",
            f"{Commune.objects.get(code='60333').name} (60)",
            capfirst(str(Pole.Status("actif").label)),
            PoolingType.objects.get(slug="locaux").label,
            Network.objects.get(slug="coorace").label,
            Recognition.objects.get(slug="ami-2021").label,
        ]
    assert list(chips(content)) == expected
    # In French.
    french = get(client, "/poles/?departement=60&secteur=agriculture", language="fr")
    assert set(chips(french)) == {"Oise", "Agriculture"}
    assert "Retirer le filtre Département : </span>Oise" in french
    assert ">Effacer les filtres</a>" in french


def test_chips_do_not_depend_on_the_order_of_the_parameters(client, seeded):
    """The page cache stores one body for both orders: the links must be the same."""
    first = get(client, "/poles/?secteur=agriculture&departement=60&page=1")
    second = get(client, "/poles/?departement=60&secteur=agriculture")
    assert (
        chips(first)
        == chips(second)
        == {
            "Oise": "/poles/?secteur=agriculture",
            "Agriculture": "/poles/?departement=60",
        }
    )


def test_no_chip_without_filters_nor_for_the_sort_nor_for_an_invalid_value(client, seeded):
    assert chips(get(client, "/poles/")) == {}
    assert chips(get(client, "/poles/?tri=-etp")) == {}
    assert "active-filters__clear" not in get(client, "/poles/?tri=-etp")
    content = get(client, "/poles/?commune=99999&statut=actif&secteur=&secteur=agriculture")
    assert chips(content) == {
        "Active": "/poles/?commune=99999&secteur=agriculture",
        "Agriculture": "/poles/?commune=99999&statut=actif",
    }


def test_chips_come_with_the_partial_results(client, seeded):
    content = get(client, "/poles/?departement=60", HTTP_X_REQUESTED_WITH="fetch")
    assert "<form" not in content
    assert chips(content) == {"Oise": "/poles/"}
    # The panel's labels for the script.
    assert re.search(r"<template data-filters-label>Filters <span[^>]*>\(1\)</span>", content)
    count = len(seed_names(departement="60"))
    assert f"<template data-show-label>Show the {count} poles</template>" in content


def test_the_departement_list_follows_the_region(client, seeded):
    occitanie = [
        "09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82",
    ]  # fmt: skip
    assert departement_options(get(client, "/poles/?region=76")) == occitanie
    # A département from elsewhere stays shown and chosen, as the URL asks.
    content = get(client, "/poles/?region=76&departement=60")
    assert departement_options(content) == sorted([*occitanie, "60"])
    assert '<option value="60" selected>60 – Oise</option>' in content
    # Without a région, or with an unknown one: every département.
    assert len(departement_options(get(client, "/poles/"))) == 101
    assert len(departement_options(get(client, "/poles/?region=99"))) == 101
    # The script gets every département with its région, to follow a région chosen live.
    data = re.search(
        r'<script id="directory-departements" type="application/json">(.*?)</script>', content
    ).group(1)
    departements = json.loads(data)
    assert len(departements) == 101
    assert ["60", "60 – Oise", "32"] in departements
    assert ["2A", "2A – Corse-du-Sud", "94"] in departements


def test_an_empty_result_says_which_filter_to_drop(client, seeded):
    content = get(client, "/poles/?region=76&departement=60")
    assert "0 poles found" in content
    without_region = len(seed_names(departement="60"))
    without_departement = len(seed_names(region="76"))
    assert without_region and without_departement
    assert "No pole matches all these filters together. Remove just one of them:" in content
    relaxations = re.findall(
        r'<li><a href="([^"]+)" data-filter-link>(Remove [^<]+)</a>\s*\((\d+) poles?\)</li>',
        content,
    )
    assert relaxations == [
        ("/poles/?departement=60", "Remove Région: Occitanie", str(without_region)),
        ("/poles/?region=76", "Remove Département: Oise", str(without_departement)),
    ]
    # In French.
    french = get(client, "/poles/?region=76&departement=60", language="fr")
    assert "Aucun pôle ne répond à tous ces filtres à la fois" in french
    assert "Retirer Département : Oise</a>" in french


def test_an_empty_result_that_no_single_filter_explains(client, seeded):
    content = get(client, "/poles/?q=zzyzx&statut=en-sommeil")
    assert "0 poles found" in content
    assert "even without any single one of them" in content
    # A sector dropped among two values cannot help (values are ORed): one line for the
    # parameter, with both values.
    content = get(client, "/poles/?q=zzyzx&secteur=agriculture&secteur=mobilite")
    assert "Remove Search text: “zzyzx”</a>" in content
    assert "Remove Activity sectors" not in content


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        get(client, url)
    return len(queries)


def test_the_explanation_costs_one_count_per_active_filter_and_only_when_empty(client, seeded):
    get(client, "/poles/")  # the filter choices, read once and cached
    two = _queries(client, "/poles/?region=76&departement=60")
    four = _queries(client, "/poles/?region=76&departement=60&statut=actif&reseau=coorace")
    assert four == two + 2
    # A non-empty result counts nothing more than before: chips cost no query.
    found = _queries(client, "/poles/?departement=60")
    found_with_more = _queries(client, "/poles/?departement=60&statut=actif&tri=nom")
    assert found_with_more == found
