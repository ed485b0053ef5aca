"""Places a visitor names (territories/places.py) and `/lieux.json`, the place field's
autocomplete: accent-insensitive names, postal codes, arrondissements under their city,
EPCI, départements and régions; indexed lookups in a constant number of queries; no
server error whatever the query."""

import json

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territories import places
from territories.models import Commune, PostalCode
from territories.services import load_territories

pytestmark = pytest.mark.django_db


def suggestions(client, q, **headers) -> list[dict]:
    headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    response = client.get("/lieux.json", {"q": q}, **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)["results"]


def values(client, q) -> list[str]:
    return [place["value"] for place in suggestions(client, q)]


def test_communes_by_name_accent_and_case_insensitive(client):
    assert values(client, "beauvais")[0] == "Beauvais (60)"
    assert values(client, "BEAUVAIS")[0] == "Beauvais (60)"
    assert values(client, "Beauv")[0] == "Beauvais (60)"
    assert "Lachapelle-aux-Pots (60)" in values(client, "lachapelle aux")
    assert values(client, "ile saint denis")[0] == "L'Île-Saint-Denis (93)"
    assert values(client, "L’Île-Saint-Denis")[0] == "L'Île-Saint-Denis (93)"
    assert "Saint-Malo (35)" in values(client, "st malo")
    result = suggestions(client, "beauvais")[0]
    assert result == {
        "kind": "commune",
        "kind_label": "commune",
        "code": "60057",
        "label": "Beauvais (60)",
        "value": "Beauvais (60)",
        "detail": "commune · 60000",
    }


def test_homonyms_show_their_departement(client):
    found = values(client, "Saint-Denis")
    assert {"Saint-Denis (93)", "Saint-Denis (974)"} <= set(found[:4])


def test_arrondissements_come_under_their_city(client):
    found = values(client, "marseille")
    assert found[:3] == [
        "Marseille (13)",
        "Marseille 1er Arrondissement (13)",
        "Marseille 2e Arrondissement (13)",
    ]


def test_postal_codes_and_insee_codes(client):
    found = suggestions(client, "60220")
    assert found[0]["kind"] == "postal_code"
    assert found[0]["value"] == "60220"
    assert "Abancourt (60)" in found[0]["detail"]
    assert "Abancourt (60)" in [place["value"] for place in found]
    # 60220 is also Espaubourg's INSEE code (its postal code is 60650): offered too.
    espaubourg = next(place for place in found if place["value"] == "Espaubourg (60)")
    assert espaubourg["detail"] == "INSEE code 60220"
    # A prefix: the postal codes that start so.
    assert [place["value"] for place in suggestions(client, "6022")][:1] == ["60220"]


def test_epci_departements_and_regions(client):
    found = suggestions(client, "oise")
    assert found[0] == {
        "kind": "departement",
        "kind_label": "département",
        "code": "60",
        "label": "Oise (60)",
        "value": "Oise (60)",
        "detail": "département",
    }
    assert any(place["kind"] == "epci" for place in found)
    assert values(client, "hauts de france") == ["Hauts-de-France"]
    assert values(client, "beauvaisis") == ["CA du Beauvaisis"]
    assert values(client, "2a")[0] == "Corse-du-Sud (2A)"
    # Paris the commune and the département: one suggestion.
    assert values(client, "paris").count("Paris (75)") == 1


def test_the_kinds_follow_the_language(client):
    found = suggestions(client, "oise", HTTP_ACCEPT_LANGUAGE="fr")
    assert found[0]["kind_label"] == "département"
    epci = next(place for place in found if place["kind"] == "epci")
    assert epci["kind_label"] == "intercommunalité (EPCI)"


def test_the_answer_is_cacheable_and_bounded(client):
    response = client.get("/lieux.json", {"q": "sa"})
    assert "public" in response["Cache-Control"]
    assert "max-age=86400" in response["Cache-Control"]
    assert len(json.loads(response.content)["results"]) == places.SUGGESTION_LIMIT
    assert client.post("/lieux.json", {"q": "sa"}).status_code == 405


@pytest.mark.parametrize("q", ["saint", "60220", "6", "oise", "2A004", "x" * 500])
def test_constant_number_of_queries(client, django_assert_max_num_queries, q):
    client.get("/lieux.json", {"q": "warm"})  # the small lists, cached per data version
    with django_assert_max_num_queries(4):
        assert client.get("/lieux.json", {"q": q}).status_code == 200


def test_the_commune_lookup_uses_an_index(db):
    """The prefix lookup is an index range scan, on SQLite as on PostgreSQL."""
    queryset = places.name_prefix(Commune.objects.all(), "beauv")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "INDEX" in plan.upper(), plan
    assert "SCAN territories_commune" not in plan or "USING INDEX" in plan, plan


ANY_TEXT = st.one_of(
    st.text(max_size=120),
    st.text(alphabet="0123456789 ()AB-'’%_\\", max_size=12),
    st.sampled_from(["%", "_", "\\", "(", "(60)", "Beauvais (", "Beauvais (9999)", "2A", "97"]),
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=ANY_TEXT)
def test_no_query_text_gives_a_server_error(db, q):
    response = Client().get("/lieux.json", {"q": q})
    assert response.status_code == 200
    body = json.loads(response.content)
    assert len(body["results"]) <= places.SUGGESTION_LIMIT
    # And the same text typed in the place field: a result or a clear message.
    directory = Client().get("/poles/", {"lieu": q})
    assert directory.status_code == 200
    # And in the search box, which reads postal codes too.
    assert Client().get("/poles/", {"q": q}).status_code == 200


def test_repeated_and_odd_parameters(client):
    assert client.get("/lieux.json?q=a&q=beauvais").status_code == 200
    assert client.get("/lieux.json").status_code == 200
    assert json.loads(client.get("/lieux.json?q=%00%01").content)["results"] == []


# --- Resolution (what a submitted place field means) -----------------------------------


def test_resolution():
    assert places.resolve("beauvais").place.value == "Beauvais (60)"
    assert places.resolve("Beauvais (60)").place.code == "60057"
    assert places.resolve("Beauvais (60000)").place.code == "60057"
    assert places.resolve("Oise (60)").place.kind == "departement"
    assert places.resolve("Paris").place.code == "75056"
    assert places.resolve("CA du Beauvaisis").place.kind == "epci"
    ambiguous = places.resolve("Saint-Denis")
    assert ambiguous.place is None
    assert {"Saint-Denis (93)", "Saint-Denis (974)"} <= {c.value for c in ambiguous.choices}
    postal = places.resolve("60220")
    assert postal.place.kind == "postal_code"
    assert {c.code for c in postal.place.communes} >= {"60001", "60076"}
    assert [also.value for also in postal.also] == ["Espaubourg (60)"]
    assert places.resolve("Zzyzzyx").place is None
    assert places.resolve("Zzyzzyx").choices == []


# --- The loader keeps the postal-code table -------------------------------------------


def test_the_loader_fills_the_postal_code_table_idempotently():
    assert PostalCode.objects.filter(code="60220").count() >= 10
    count = PostalCode.objects.count()
    assert count >= Commune.objects.exclude(postal_codes="").count()
    load_territories(force=True)
    assert PostalCode.objects.count() == count
    # A database migrated after its last load (empty table) is filled again, though
    # the files are unchanged.
    PostalCode.objects.all().delete()
    report = load_territories()
    assert not report.skipped
    assert PostalCode.objects.count() == count
