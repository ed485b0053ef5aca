"""The directory's filters, as a visitor sees them on /poles/."""

import re
from html import unescape

import pytest
from django.http import QueryDict

from poles.filters import PoleFilterSet
from poles.models import Network, Pole, Sector
from territories.models import EPCI, Departement
from tests.factories import PoleFactory, located_pole
from tests.seed_data import seed_names, seed_rows

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    """Names of the poles in the results list, in order."""
    assert response.status_code == 200
    return [
        unescape(name)
        for name in re.findall(
            r'<li class="pole-card">\s*<h3><a href="[^"]+">(.*?)</a>', response.content.decode()
        )
    ]


def directory(client, **params):
    return client.get("/poles/", params)


BRAY = "PTCE du Pays de Bray"
BOUSOL = "Bou'Sol"


ECOPOLE = "Écopôle alimentaire de la région d'Audruicq"
ALPILLES = "Pôle de gestion des déchets et de développement environnemental des Alpilles"
TOULOUSE = {
    "EDENN (Espace de Démonstration et d'Expérimentation à la Nature urbaiNe)",
    "Pôle de coopération territorial et économique de la Cartoucherie",
}
IDF_WIDE = {
    "PTCE filière vélo du Grand Paris",
    "Brie'Nov",
    "Les Gouttes d'Or de la mode et du design",
    "La Verrière",
}


FILTER_CASES = [
    # Seat in Oise (Hauts-de-France), or seat in the Nord; plus the poles the other
    # sources place in the région (Vieille-Église, région-wide).
    ({"region": "32"}, {BRAY, "Initiatives et Cité", "PTCE Auton'Homme", ECOPOLE}),
    ({"departement": "60"}, {BRAY, "PTCE Auton'Homme"}),
    # Resto Passerelle acts on the whole Île-de-France: Paris included.
    ({"departement": "75"}, {"Resto Passerelle", *IDF_WIDE}),
    # Seats in Seine-Saint-Denis, plus the Île-de-France-wide poles.
    ({"departement": "93"}, {"Le PHARES (Cité PHARES)", "Resto Passerelle", *IDF_WIDE}),
    ({"departement": "65"}, {"La Bio pour tous"}),
    ({"departement": "2A"}, set()),
    # Saint-Paul, and the poles the sources place in La Réunion without a commune.
    ({"departement": "974"}, {"TOUR LETAN SIN POL", "ÉCHOBAT La Réunion", "JADES", "Réuniverre"}),
    ({"statut": "ferme"}, {"Initiatives et Cité"}),
    ({"mutualisation": "locaux"}, {"Le PHARES (Cité PHARES)"}),
    ({"reseau": "renouveau-productif"}, {BRAY, BOUSOL}),
    # Combinations narrow the list.
    ({"secteur": "agriculture", "region": "76"}, {"Organic'Vallée", "La Bio pour tous"}),
    ({"secteur": "insertion-emploi", "departement": "60", "statut": "actif"}, {BRAY}),
    ({"reseau": "renouveau-productif", "commune": "13055"}, {BOUSOL}),
    (
        {"reconnaissance": "ami-2023", "region": "84"},
        {"Pôle Laine du Pays de Saugues", "PECCS – Pôle d'Économie Circulaire en Cœur de Savoie"},
    ),
]


def listed_all(client, **params) -> list[str]:
    """Names of the poles listed on every page of the results."""
    names, page = [], 1
    while True:
        response = directory(client, **params, page=page)
        found = listed(response)
        names += found
        if f"page={page + 1}" not in response.content.decode():
            return names
        page += 1


def test_each_filter_lists_the_right_seed_poles(client, seeded):
    # One test for the whole table: loading the seed poles for each case is slow.
    for params, expected in FILTER_CASES:
        assert set(listed_all(client, **params)) == expected, params


def test_territory_and_status_filters_agree_with_the_seed_files(client, seeded):
    # Every région and a few départements: the poles the seed files place there,
    # région-only and département-only poles included.
    from territories.models import Region

    for region in Region.objects.values_list("code", flat=True):
        assert set(listed_all(client, region=region)) == seed_names(region=region), region
    for departement in ("44", "53", "85", "31", "13"):
        expected = seed_names(departement=departement)
        assert set(listed_all(client, departement=departement)) == expected, departement
    for status in ("actif", "a-confirmer"):
        assert set(listed_all(client, statut=status)) == seed_names(status=status), status


def test_unconfirmed_status_and_recognition_filters(client, seeded):
    unconfirmed = listed_all(client, statut="a-confirmer")
    assert "Recycl'Occ Textile" in unconfirmed
    assert "Les Écossolies" not in unconfirmed
    page = directory(client, statut="a-confirmer").content.decode()
    assert "Statut non confirmé" in page

    laureates = set(listed_all(client, reconnaissance="ami-2021"))
    assert laureates == seed_names(recognitions="ami-2021")
    assert {"Recycl'Occ Textile", "PTCE filière vélo du Grand Paris"} <= laureates
    assert "Les Écossolies" not in laureates
    assert set(listed_all(client, reconnaissance="ami-2024")) == {"TOUR LETAN SIN POL"}
    # The filter's choices name the call.
    assert "Lauréat de l&#x27;AMI « PTCE émergents » 2021" in page
    bad = directory(client, reconnaissance="ami-1999")
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_repeated_sectors_widen_the_list(client, seeded):
    names = listed_all(client, secteur=["culture-industries-creatives", "formation"])
    culture = seed_names(sectors="culture-industries-creatives")
    training = seed_names(sectors="formation")
    assert {"La Coursive Boutaric", "Culture et Coopération", BRAY, "Initiatives et Cité"} <= (
        culture | training
    )
    assert set(names) == culture | training
    assert len(names) == len(set(names))


def test_repeating_the_same_value_changes_nothing(client, seeded):
    once = listed(client.get("/poles/?secteur=agriculture"))
    assert listed(client.get("/poles/?secteur=agriculture&secteur=agriculture")) == once
    # Repeats do not count towards the limit, and an empty value chooses nothing.
    assert listed(client.get("/poles/?" + "&".join(["secteur=agriculture"] * 31))) == once
    assert listed(client.get("/poles/?secteur=&secteur=agriculture")) == once


NORMANDIE_WIDE = {"L'Éco-domaine en Pays d'Auge", "PTCE autonomie MCE-M3S"}
COMMUNE_CASES = [
    ("60333", {BRAY, "PTCE Auton'Homme"}),  # the seat of the Pays de Bray; région-wide pole
    # Rouen: Seine-Maritime is part of the Pays de Bray's territory of action.
    ("76540", {BRAY, "Pôle mobilité du bassin d'emploi du Havre", *NORMANDIE_WIDE}),
    # Marseille: Bou'Sol's seat, a pole of the Bouches-du-Rhône, a région-wide one.
    ("13055", {BOUSOL, ALPILLES, "Projet PHARE"}),
    ("13201", {BOUSOL, ALPILLES, "Projet PHARE"}),  # an arrondissement counts as its city
    ("75101", {"Resto Passerelle", *IDF_WIDE}),  # région-wide territories of action
    ("74224", {"Innovales", "PTCE TURFU Productions en Val d'Allier"}),
    ("65440", {"La Bio pour tous"}),  # Tarbes, in its département of action
    ("31555", {"La Serre – Le Multiple", *TOULOUSE}),  # Toulouse, in Toulouse Métropole
    ("2a004", set()),  # Ajaccio, typed in lower case
]


def test_commune_finds_every_pole_whose_territory_covers_it(client, seeded):
    for code, expected in COMMUNE_CASES:
        response = directory(client, commune=code)
        assert set(listed_all(client, commune=code)) == expected, code
        assert "errorlist" not in response.content.decode()


def test_commune_through_the_epci_of_action(client, db):
    epci = EPCI.objects.get(communes__code="60057")  # Beauvais's agglomeration
    pole = located_pole("13055", name="Pôle intercommunal de test")
    pole.territory_epcis.set([epci])
    assert listed(directory(client, commune="60057")) == ["Pôle intercommunal de test"]
    assert listed(directory(client, departement="60")) == ["Pôle intercommunal de test"]
    assert listed(directory(client, region="32")) == ["Pôle intercommunal de test"]
    assert listed(directory(client, commune="60333")) == []  # not in that EPCI


def test_a_pole_acting_in_an_arrondissement_is_found_from_its_city(client, db):
    pole = located_pole("60333", name="Pôle d'arrondissement de test")
    pole.territory_communes.set(["13201"])
    assert listed(directory(client, commune="13055")) == ["Pôle d'arrondissement de test"]
    assert listed(directory(client, commune="13201")) == ["Pôle d'arrondissement de test"]
    assert listed(directory(client, commune="13202")) == []


def test_territory_filters_list_each_pole_once(client, db):
    pole = located_pole("60333", name="Pôle partout de test")
    pole.territory_departements.set(["60", "27", "76"])
    pole.territory_regions.set(["32", "28"])
    pole.territory_communes.set(["60057", "60333", "76540"])
    pole.territory_epcis.set(EPCI.objects.filter(communes__code__in=["60057", "76540"]))
    for params in ({"region": "32"}, {"region": "28"}, {"departement": "60"}, {"commune": "60057"}):
        assert listed(directory(client, **params)) == ["Pôle partout de test"]
        response = client.get("/poles/", params, HTTP_ACCEPT_LANGUAGE="en")
        assert "1 pole found" in response.content.decode()


def test_sort_keys(client, seeded):
    by_name = listed_all(client, tri="nom")
    assert by_name[:2] == ["Ardaines (PTCE Parc naturel régional des Ardennes)", BOUSOL]
    assert listed_all(client, tri="-nom") == list(reversed(by_name))
    most_jobs = listed(directory(client, tri="-etp"))
    assert most_jobs[:2] == [BRAY, "Innovales"]  # 145 ETP, then 18 ETP
    fewest_jobs = listed(directory(client, tri="etp"))
    assert fewest_jobs[:2] == ["Innovales", BRAY]  # poles without ETP come last
    oldest = listed_all(client, tri="creation")
    assert oldest[:2] == ["Les Écossolies", "Pôle Sud (Archer)"]  # founded in 2004, 2007
    assert oldest[-1] == "TOUR LETAN SIN POL"  # no founding year recorded: last, by name
    assert BRAY in oldest[-len([r for r in seed_rows() if not r.get("founded_year")]) :]
    newest = listed_all(client, tri="-creation")
    assert newest[0].startswith("PTCE Stras Eco Renov")  # founded in 2022
    assert newest[-1] == "TOUR LETAN SIN POL"
    PoleFactory(name="Pôle mis à jour de test")
    assert listed(directory(client, tri="-maj"))[0] == "Pôle mis à jour de test"


def test_default_order_is_by_name(client, seeded):
    names = listed(directory(client))
    assert names == listed(directory(client, tri="nom"))
    assert len(names) == 20  # the first page
    assert listed_all(client) == listed_all(client, tri="nom")


def test_only_published_poles_appear(client, seeded):
    Pole.objects.filter(slug="bou-sol").update(is_published=False)
    for params in ({}, {"q": "Bou'Sol"}, {"commune": "13055"}, {"secteur": "agriculture"}):
        assert BOUSOL not in listed(directory(client, **params))


INVALID_CASES = [
    ({"region": "zz"}, "region", "Select a valid choice"),
    ({"region": "99"}, "region", "Select a valid choice"),
    ({"departement": "20"}, "departement", "Select a valid choice"),
    ({"departement": "60" * 500}, "departement", "Select a valid choice"),
    ({"commune": "abc"}, "commune", "No commune matches “abc”."),
    ({"commune": "99999"}, "commune", "No commune has the INSEE code or postal code 99999."),
    ({"commune": "6" * 300}, "commune", "at most 100 characters"),
    ({"lieu": "Zzyzzyx"}, "lieu", "No commune, EPCI, département or région matches"),
    ({"lieu": "Beau\x1bvais"}, "lieu", "control characters"),
    ({"autour": "48.8;2.3"}, "autour", "The position must be a latitude and a longitude"),
    ({"secteur": "astrologie"}, "secteur", "Select a valid choice"),
    (
        {"secteur": [f"secteur-{index}" for index in range(31)]},
        "secteur",
        "Choose at most 30 values.",
    ),
    ({"statut": "immortel"}, "statut", "Select a valid choice"),
    ({"mutualisation": "tout"}, "mutualisation", "Select a valid choice"),
    ({"reseau": "inconnu"}, "reseau", "Select a valid choice"),
    ({"tri": "prix"}, "tri", "Select a valid choice"),
    ({"tri": "name; DROP TABLE poles_pole"}, "tri", "Select a valid choice"),
    ({"q": "x" * 201}, "q", "at most 200 characters"),
    ({"q": "pain\x00et partage"}, "q", "control characters"),
    ({"q": "pain\x1bet"}, "q", "control characters"),
    ({"region": "3\x002"}, "region", "Select a valid choice"),
    ({"commune": "60\x00333"}, "commune", "control characters"),
]


def test_invalid_values_show_an_error_and_no_pole(client, seeded):
    for params, field, message in INVALID_CASES:
        response = client.get("/poles/", params, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, params
        content = response.content.decode()
        assert listed(response) == [], params
        assert "Some filters are not valid" in content, params
        assert f'data-field-error="{field}"' in content, params
        assert message in content, params
        # The error sits next to the field too, linked to it for assistive technologies.
        assert f'id="id_{field}_error"' in content, params


def test_a_postal_code_given_as_commune_names_its_communes(client, seeded):
    content = client.get("/poles/?commune=60000", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Postal code 60000: the poles whose territory covers" in content
    assert "Beauvais (60)" in content


def test_the_form_offers_labelled_choices(client, seeded):
    content = client.get("/poles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="32">Hauts-de-France</option>' in content
    assert '<option value="2A">2A – Corse-du-Sud</option>' in content
    assert '<option value="974">974 – La Réunion</option>' in content
    # Checkbox groups are fieldsets with a legend.
    assert re.search(r"<fieldset>\s*<legend>Activity sectors:?</legend>", content)
    assert 'name="secteur" value="agriculture"' in content
    assert 'name="mutualisation" value="locaux"' in content
    network = Network.objects.get(slug="renouveau-productif")
    label = network.name_en or network.name
    assert f'<option value="renouveau-productif">{label}</option>' in content
    assert '<option value="-etp">Jobs in ETP (most first)</option>' in content
    # One place field; the `commune` of links has none of its own (unless invalid).
    assert '<label for="id_lieu">Place:</label>' in content
    assert 'name="commune"' not in content
    # Régions sorted as a reader expects, accents aside.
    regions = re.findall(r'<option value="\d\d">([^<]+)</option>', content)
    assert regions.index("Île-de-France") < regions.index("La Réunion")


def test_the_form_keeps_the_visitor_choices(client, seeded):
    content = client.get(
        "/poles/?secteur=agriculture&region=76&tri=-etp&q=pain", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert re.search(r'value="agriculture"[^>]*checked', content)
    assert '<option value="76" selected>' in content
    assert '<option value="-etp" selected>' in content
    assert 'name="q" value="pain"' in content


def test_sectors_in_english_when_the_visitor_reads_english(client, seeded):
    sector = Sector.objects.get(slug="agriculture")
    content = client.get("/poles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert sector.name_en and sector.name_en in content


def test_departement_choices_cover_corsica_and_overseas():
    codes = set(Departement.objects.values_list("code", flat=True))
    assert {"2A", "2B", "971", "974", "976"} <= codes


# --- Sorting by name -----------------------------------------------------------------

ACCENTED_NAMES = ["Zèbre solidaire", "économie locale", "Étoile du Nord", "abeilles", "Ecole"]


def test_name_sort_ignores_accents_and_case(client):
    for name in ACCENTED_NAMES:
        PoleFactory(name=name)
    expected = ["abeilles", "Ecole", "économie locale", "Étoile du Nord", "Zèbre solidaire"]
    assert listed(directory(client, tri="nom")) == expected
    assert listed(directory(client, tri="-nom")) == expected[::-1]
    assert listed(directory(client)) == expected  # the default order is by name too


def test_sort_name_follows_renames_through_save():
    pole = PoleFactory(name="Zèbre")
    assert pole.sort_name == "zebre"
    pole.name = "Économie"
    pole.save(update_fields=["name"])
    pole.refresh_from_db()
    assert pole.sort_name == "economie"


def test_without_a_filter_parameter_the_filter_set_selects_every_published_pole():
    """`unfiltered()` is what the filter set selects when the query string holds no
    filter parameter: readers that skip building the filter set (the API's list) then
    list exactly what the directory would."""
    located_pole("60333", name="Bêta")
    located_pole("60333", name="alpha")
    PoleFactory(name="Aaa brouillon", is_published=False)
    no_filter = QueryDict("page=2&page_size=5&lang=en&inconnu=1")

    filterset = PoleFilterSet(no_filter)

    assert not PoleFilterSet.filters_anything(no_filter)
    assert filterset.is_valid()
    assert str(filterset.qs.query) == str(PoleFilterSet.unfiltered().query)
    assert list(PoleFilterSet.unfiltered().values_list("name", flat=True)) == ["alpha", "Bêta"]
    for name in PoleFilterSet.base_filters:
        assert PoleFilterSet.filters_anything(QueryDict(f"{name}=")), name
