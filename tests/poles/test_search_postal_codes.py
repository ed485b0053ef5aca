"""A postal code typed in the free-text search (`q=93200`, `q=recyclerie 93200`) names
its communes, as a commune's name does (`q=Saint-Denis`): the poles whose territory
covers them, the other words matching the text as usual. Five digits that are no postal
code, the groups of a SIRET and INSEE codes keep being plain words."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caching.models import DataStamp
from poles.models import Pole
from poles.services import refresh_search_texts
from tests.factories import PoleFactory, located_pole

from .test_place_filter import directory, listed, text
from .test_search import found

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"

PLAINE = "Recyclerie de la Plaine"  # seated in Saint-Denis (93066): 93200, 93210, 93380
CANAL = "Atelier du Canal"  # seated in Saint-Denis (93066), no recyclerie
SEQUANO = "Aaa réseau séquano-dionysien"  # no seat, acts on the whole Seine-Saint-Denis
REUNION = "Recyclerie réunionnaise"  # seated in Saint-Denis (974), postal code 97400
BEAUVAIS = "Recyclerie du Beauvaisis"  # seated in Beauvais (60000)
ILE = "Recyclerie de l'Île"  # L'Île-Saint-Denis (93450): in the 93, not in 93200


@pytest.fixture
def saint_denis(db):
    located_pole("93066", name=PLAINE, summary="Une recyclerie solidaire.")
    located_pole("93066", name=CANAL, summary="Un atelier de réparation de vélos.")
    acting = PoleFactory(name=SEQUANO, summary="Une recyclerie itinérante.")
    acting.territory_departements.set(["93"])
    located_pole("97411", name=REUNION, summary="Une recyclerie.")
    located_pole("60057", name=BEAUVAIS, summary="Une recyclerie.")
    located_pole("93039", name=ILE, summary="Une recyclerie.")
    refresh_search_texts(Pole.objects.all())


def test_a_postal_code_alone_finds_the_poles_of_its_commune(client, saint_denis):
    """`q=93200` found nothing: the digits were searched in the poles' texts. Now as
    `q=Saint-Denis` for the commune of Seine-Saint-Denis: its poles and those acting
    there; on PostgreSQL those seated there first."""
    if POSTGRESQL:
        assert found(client, "93200") == [CANAL, PLAINE, SEQUANO]
    else:
        assert found(client, "93200") == [SEQUANO, CANAL, PLAINE]
    # Another of the commune's postal codes names the same commune.
    assert set(found(client, "93210")) == {CANAL, PLAINE, SEQUANO}
    # Overseas: Saint-Denis of La Réunion; Corsica's codes are digits too.
    assert found(client, "97400") == [REUNION]
    located_pole("2A004", name="Pôle ajaccien de test")
    refresh_search_texts(Pole.objects.filter(name="Pôle ajaccien de test"))
    assert found(client, "20000") == ["Pôle ajaccien de test"]


def test_a_word_and_a_postal_code(client, saint_denis):
    """The other words must match the text, as with a commune's name."""
    # Not every recyclerie: the postal code is a place, not a word to match or not.
    if POSTGRESQL:
        assert found(client, "recyclerie 93200") == [PLAINE, SEQUANO]
    else:
        assert found(client, "recyclerie 93200") == [SEQUANO, PLAINE]
    assert set(found(client, "93200 recyclerie")) == {PLAINE, SEQUANO}
    assert found(client, "velos 93200") == [CANAL]
    assert found(client, "zzyzx 93200") == []


def test_a_commune_name_with_its_postal_code_names_that_commune(client, saint_denis):
    """`Saint-Denis` alone names every Saint-Denis (93, 974, 11…); with a postal code,
    the one it serves."""
    assert REUNION in found(client, "recyclerie saint denis")
    assert set(found(client, "recyclerie Saint-Denis 93200")) == {PLAINE, SEQUANO}
    assert set(found(client, "saint denis 97400")) == {REUNION}
    # A name that is none of the code's communes stays a word of the text.
    assert found(client, "beauvais 93200") == []


def test_a_postal_code_of_several_communes(client, db):
    """60220 serves twenty communes of the Oise (Abancourt, Formerie…)."""
    located_pole("60001", name="Recyclerie d'Abancourt", summary="Une recyclerie.")
    located_pole("60245", name="Ferme de Formerie", summary="Une ferme.")
    located_pole("60333", name="Recyclerie de Lachapelle", summary="Une recyclerie (60650).")
    refresh_search_texts(Pole.objects.all())
    assert set(found(client, "60220")) == {"Recyclerie d'Abancourt", "Ferme de Formerie"}
    assert found(client, "recyclerie 60220") == ["Recyclerie d'Abancourt"]


def test_paris_postal_codes_name_their_arrondissement(client, db):
    """Paris (75056) holds every Paris postal code besides its arrondissements: 75001 is
    the 1st arrondissement (and the poles seated in Paris as a whole), not all of Paris;
    in the place field as in the search."""
    located_pole("75101", name="Pôle du Louvre")
    located_pole("75056", name="Pôle parisien")
    located_pole("75115", name="Pôle de Vaugirard")
    refresh_search_texts(Pole.objects.all())
    expected = {"Pôle du Louvre", "Pôle parisien"}
    assert set(found(client, "75001")) == expected
    assert set(found(client, "paris 75001")) == expected
    assert set(found(client, "75015")) == {"Pôle de Vaugirard", "Pôle parisien"}
    response = directory(client, lieu="75001")
    assert set(listed(response)) == expected
    assert (
        "Postal code 75001: the poles whose territory covers its commune, "
        "Paris 1er Arrondissement (75)." in text(response)
    )
    # The city itself still finds every arrondissement's poles.
    assert set(found(client, "Paris")) == expected | {"Pôle de Vaugirard"}


def test_five_digits_that_are_no_postal_code_stay_words(client, saint_denis):
    """99999 is no postal code: searched in the text, as before."""
    located_pole("60333", name="Pôle au numéro de test", summary="Dossier 99999 de test.")
    refresh_search_texts(Pole.objects.filter(name="Pôle au numéro de test"))
    assert found(client, "99999") == ["Pôle au numéro de test"]
    assert found(client, "recyclerie 99999") == []


def test_a_siret_or_an_insee_code_is_no_postal_code(client, saint_denis):
    """The last group of a SIRET written in groups may be five digits that are a postal
    code (93200): it is part of a number, not a place. An INSEE code (2A004, 93066) is
    not read as a place by the search (the place field does that)."""
    for q in ["123 456 789 93200", "123456789 93200", "12345678993200", "2A004", "93066"]:
        assert found(client, q) == [], q


def test_no_hostile_search_gives_a_server_error(client, saint_denis):
    for q in [
        "%26",
        "93200%26",
        "93200&recyclerie=1",
        "93200\u00a0recyclerie",
        "\uff19\uff13\uff12\uff10\uff10",  # full-width digits: NFKD makes them 93200
        "\u0669\u0663\u0662\u0660\u0660",  # Arabic-Indic digits: no word
        "93200" * 40,
        " ".join(["93200"] * 50),
        " ".join(str(93000 + index) for index in range(60)),
        "9" * 40,
        "-93200",
        "93200-93210",
        "%_% 93200",
        "93200 ' ’ -",
        "\u202e93200",
    ]:
        assert client.get("/poles/", {"q": q}).status_code == 200, q
        # The feed refuses a search of more than 200 characters (400), as any invalid filter.
        for path in ("/poles.geojson", "/statistiques/"):
            assert client.get(path, {"q": q}).status_code in (200, 400), (path, q)
    assert set(found(client, "\uff19\uff13\uff12\uff10\uff10")) == {CANAL, PLAINE, SEQUANO}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    q=st.one_of(
        st.text(alphabet="0123456789 -'’%&_=A", max_size=40),
        st.lists(st.sampled_from(["93200", "97400", "75001", "99999", "2A004", "123", "%"])).map(
            " ".join
        ),
    )
)
def test_no_digits_in_the_search_give_a_server_error(client, saint_denis, q):
    assert client.get("/poles/", {"q": q}).status_code == 200


@pytest.mark.parametrize(
    ("q", "sqlite", "postgresql"),
    [
        # The names probe; on PostgreSQL the typo lookup of the words of 4 letters or more.
        ("economie solidaire", 1, 2),
        ("beauvais", 2, 3),  # the names probe, then the commune read
        # A known postal code: its communes in one query, instead of the names probe.
        ("93200", 1, 1),
        ("recyclerie 93200", 1, 2),
        ("recyclerie saint denis 93200", 1, 2),
        # Five digits that are no postal code: one lookup more.
        ("recyclerie 99999", 2, 3),
    ],
)
def test_a_postal_code_costs_at_most_one_indexed_query(
    saint_denis, django_assert_num_queries, q, sqlite, postgresql
):
    # Plus the data version (the stamp, outside a request): the lookups are kept under
    # it (`search_terms`), and the same search again costs that read only.
    with django_assert_num_queries(1 + (postgresql if POSTGRESQL else sqlite)):
        Pole.objects.search(q)
    with django_assert_num_queries(1):
        Pole.objects.search(q)


def test_the_postal_code_lookup_uses_an_index(saint_denis):
    """`PostalCode.code` is indexed (migration territories 0002), on both databases."""
    with CaptureQueriesContext(connection) as queries:
        Pole.objects.search("93200")
    (lookup,) = [
        query["sql"]
        for query in queries.captured_queries
        if DataStamp._meta.db_table not in query["sql"]
    ]
    assert "territories_postalcode" in lookup
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {lookup}")
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {lookup}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    # SQLite: the unique (code, commune) index; PostgreSQL: either.
    if connection.vendor == "sqlite":
        assert "SEARCH territories_postalcode USING COVERING INDEX" in plan, plan
    else:
        # An index scan of the table, or a bitmap one (the planner's choice with the
        # table's statistics of the moment).
        assert re.search(r"Index (Only )?Scan (using \S+ )?on territories_postalcode", plan) or (
            "Bitmap Heap Scan on territories_postalcode" in plan
            and re.search(r"Bitmap Index Scan on postal_code_", plan)
        ), plan


def test_the_search_box_says_it_reads_postal_codes(client, db):
    content = client.get("/poles/").content.decode()
    assert "Nom, activité, structure membre, commune, code postal…" in content
    content = client.get("/poles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Name, activity, member structure, commune, postal code…" in content


def test_only_the_three_cities_look_for_their_arrondissements_poles(db):
    """A commune without arrondissements (Saint-Denis) is no city to look for the poles
    of its arrondissements: that look joined every pole with the 35,000 communes."""
    from territories.models import Commune

    def sql(code):
        commune = Commune.objects.select_related("parent", "departement").get(code=code)
        return str(Pole.objects.covering_communes([commune]).query)

    assert '"parent_id"' not in sql("93066")
    assert '"parent_id"' in sql("75056")
