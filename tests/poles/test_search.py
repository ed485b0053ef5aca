"""Free-text search (`q`): accent- and case-insensitive everywhere; ranked and
typo-tolerant on PostgreSQL."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from poles.models import Pole, SearchWord, Sector, Structure
from poles.services import (
    build_search_text,
    rebuild_search_lexicon,
    refresh_search_text,
    refresh_search_texts,
)
from tests.factories import MembershipFactory, PoleFactory, StructureFactory, located_pole
from tests.seed_data import seed_rows

pytestmark = pytest.mark.django_db

BRAY = "PTCE du Pays de Bray"
BOUSOL = "Bou'Sol"


def found(client, q, **params) -> list[str]:
    response = client.get("/poles/", {"q": q, **params})
    assert response.status_code == 200
    return [
        unescape(name)
        for name in re.findall(
            r'<li class="pole-card">\s*<h3><a href="[^"]+">(.*?)</a>', response.content.decode()
        )
    ]


ACCENT_AND_CASE_CASES = [
    # "Maison d'Économie Solidaire", its animating structure, typed without accents.
    ("economie solidaire", BRAY),
    ("ÉCONOMIE   Solidaire", BRAY),
    # A member structure's name.
    ("Pain et Partage", BOUSOL),
    ("pain et partage", BOUSOL),
    # The seat commune.
    ("Marseille", BOUSOL),
    ("Lachapelle-aux-Pots", BRAY),
    ("lachapelle aux pots", BRAY),
    # The pole's own name, apostrophe or not.
    ("Bou'Sol", BOUSOL),
    ("bou sol", BOUSOL),
]


def test_search_is_accent_and_case_insensitive(client, seeded):
    for q, expected in ACCENT_AND_CASE_CASES:
        assert expected in found(client, q), q


def test_a_sector_name_finds_the_poles_of_that_sector(client, seeded):
    names = found(client, "industries créatives")
    assert set(names) >= {"La Coursive Boutaric", "Culture et Coopération"}


def test_every_word_must_match(client, seeded):
    assert found(client, "Marseille Lachapelle") == []


def test_search_combines_with_filters(client, seeded):
    assert found(client, "insertion", departement="13") == [BOUSOL]
    assert found(client, "Marseille", departement="60") == []


def test_no_match_says_so(client, seeded):
    response = client.get("/poles/", {"q": "zzyzx introuvable"}, HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert "0 poles found for “zzyzx introuvable”" in content
    assert "No published pole matches these filters." in content


def test_punctuation_only_search_lists_every_pole(client, seeded):
    # No word to search for: the whole directory, its first page of 20.
    response = client.get("/poles/", {"q": "' - ’"}, HTTP_ACCEPT_LANGUAGE="en")
    assert f"{len(seed_rows())} poles found" in response.content.decode()
    assert len(found(client, "' - ’")) == 20


def test_markup_in_the_search_is_never_echoed_unescaped(client, seeded):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.get("/poles/", {"q": payload})
    content = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in content
    assert "<img src=x" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content


def test_the_search_text_holds_what_visitors_search_for(seeded):
    pole = Pole.objects.get(slug="bou-sol")
    text = pole.search_text
    assert text.splitlines()[0] == "bou sol"
    for expected in ("pain et partage", "marseille", "bouches du rhone", "agriculture"):
        assert expected in text
    assert text == text.lower()
    assert "é" not in text


def test_refresh_follows_a_new_member_structure(client, db):
    pole = located_pole("60333", name="Pôle de recherche de test")
    refresh_search_text(pole)
    assert found(client, "Fournil coopératif") == []
    MembershipFactory(pole=pole, structure=StructureFactory(name="Le Fournil Coopératif"))
    refresh_search_text(pole)
    assert found(client, "fournil cooperatif") == ["Pôle de recherche de test"]


def test_former_members_are_not_searched(db):
    pole = PoleFactory()
    MembershipFactory(pole=pole, structure=StructureFactory(name="Ancien membre"), left_year=2020)
    assert "ancien membre" not in build_search_text(pole)


def test_bulk_refresh_is_a_constant_number_of_queries(db, django_assert_max_num_queries):
    poles = PoleFactory.create_batch(5)
    for pole in poles:
        MembershipFactory.create_batch(2, pole=pole)
    # Saves keep the search text current (poles/derived.py); a bulk update does not.
    Pole.objects.update(search_text="")
    with django_assert_max_num_queries(6):
        assert refresh_search_texts(Pole.objects.all()) == 5
    # Nothing changed: nothing is written.
    with django_assert_max_num_queries(4):
        assert refresh_search_texts(Pole.objects.all()) == 0


@pytest.fixture
def admin_client_logged(client, db):
    user = get_user_model().objects.create_superuser("admin-test", "admin@example.org", "pw")
    client.force_login(user)
    return client


def test_admin_membership_and_structure_edits_refresh_the_search(admin_client_logged, seeded):
    client = admin_client_logged
    pole = Pole.objects.get(slug="cluster-jura")
    structure = StructureFactory(name="Atelier Zéphyr")
    response = client.post(
        "/admin/poles/membership/add/",
        {"pole": pole.pk, "structure": structure.pk, "role": "member", "source": "test"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    pole.refresh_from_db()
    assert "atelier zephyr" in pole.search_text

    change_url = f"/admin/poles/structure/{structure.pk}/change/"
    form = client.get(change_url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        name="Atelier Boréal",
        siret="",
        **{
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    response = client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    pole.refresh_from_db()
    assert "atelier boreal" in pole.search_text
    assert "zephyr" not in pole.search_text
    assert Structure.objects.get(pk=structure.pk).name == "Atelier Boréal"


# --- PostgreSQL: French full-text search, typo tolerance, ranking ------------------


@pytest.mark.postgres
def test_typos_are_tolerated_on_postgresql(client, seeded):
    assert BOUSOL in found(client, "boulangrie")
    assert BRAY in found(client, "Lachapele-aux-Pots")


@pytest.mark.postgres
def test_french_stemming_on_postgresql(client, seeded):
    # "boulangeries" (plural) and "solidaires": found through their stems.
    assert BOUSOL in found(client, "boulangeries solidaires")


@pytest.mark.postgres
def test_results_are_ranked_by_relevance_on_postgresql(client, db):
    once = located_pole(
        "60333", name="Alpha coopérative", description="Une ressourcerie parmi d'autres activités."
    )
    in_name = located_pole(
        "60333",
        name="Ressourcerie du Bocage",
        description="La ressourcerie collecte, répare et revend ; la ressourcerie forme.",
    )
    refresh_search_texts(Pole.objects.filter(pk__in=[once.pk, in_name.pk]))
    assert found(client, "ressourcerie") == ["Ressourcerie du Bocage", "Alpha coopérative"]
    # An explicit sort wins over relevance.
    assert found(client, "ressourcerie", tri="nom") == [
        "Alpha coopérative",
        "Ressourcerie du Bocage",
    ]


@pytest.mark.postgres
def test_the_search_indexes_exist_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename IN ('poles_pole', 'poles_searchword')"
        )
        indexes = dict(cursor.fetchall())
        cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent'")
        assert cursor.fetchone()
    assert "USING gin (search_vector)" in indexes["pole_search_vector_idx"]
    assert "gin_trgm_ops" in indexes["searchword_trgm_idx"]
    # No index on an expression computed per row any more.
    assert "pole_search_fts_idx" not in indexes


@pytest.mark.postgres
def test_the_full_text_index_serves_the_search(db):
    """The search reads the stored vector (no tsvector computed per row), through its
    GIN index."""
    query = str(Pole.objects.search("boulangerie").query)
    assert '"poles_pole"."search_vector" @@' in query
    assert "to_tsvector" not in query
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = (
            Pole.objects.search("boulangerie").order_by().values("pk").query.sql_with_params()
        )
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "pole_search_vector_idx" in plan


def _vector_matches(pole, word) -> bool:
    from django.contrib.postgres.search import SearchQuery

    query = SearchQuery(word, config="french_unaccent")
    return Pole.objects.filter(pk=pole.pk, search_vector=query).exists()


@pytest.mark.postgres
def test_the_stored_vector_follows_the_pole_and_its_members(db):
    pole = located_pole("60333", name="Pôle Arlequin")
    structure = StructureFactory(name="Atelier Zéphyr")
    MembershipFactory(pole=pole, structure=structure)
    refresh_search_text(pole)
    assert _vector_matches(pole, "arlequin") and _vector_matches(pole, "zephyr")
    # The pole is renamed: the service that refreshes search_text refreshes the vector.
    pole.name = "Pôle Colombine"
    pole.save()
    refresh_search_texts(Pole.objects.filter(pk=pole.pk))
    assert _vector_matches(pole, "colombine") and not _vector_matches(pole, "arlequin")
    # A member structure is renamed (as the admin does): its poles follow.
    Structure.objects.filter(pk=structure.pk).update(name="Atelier Boréal")
    refresh_search_texts(Pole.objects.filter(memberships__structure=structure).distinct())
    assert _vector_matches(pole, "boreal") and not _vector_matches(pole, "zephyr")


@pytest.mark.postgres
def test_the_name_weighs_more_than_the_members(db):
    by_name = located_pole("60333", name="Ressourcerie des Collines")
    by_member = located_pole("60333", name="Pôle Bocage")
    MembershipFactory(pole=by_member, structure=StructureFactory(name="Ressourcerie du Bourg"))
    refresh_search_texts(Pole.objects.filter(pk__in=[by_name.pk, by_member.pk]))
    ranked = list(Pole.objects.search("ressourcerie").values_list("name", flat=True))
    assert ranked == ["Ressourcerie des Collines", "Pôle Bocage"]


@pytest.mark.postgres
def test_typos_are_corrected_against_the_lexicon(client, db):
    pole = located_pole("60333", name="Pôle de test")
    MembershipFactory(pole=pole, structure=StructureFactory(name="Menuiserie Coopérative"))
    refresh_search_text(pole)
    assert found(client, "menuiseire cooperative") == ["Pôle de test"]
    # A prefix finds the whole word; a word no pole has finds nothing.
    assert found(client, "menuis") == ["Pôle de test"]
    assert found(client, "zzyzx") == []


def test_a_search_repeated_after_an_edit_reads_the_new_words_and_places(client, db):
    """What a search's words name and their corrections are kept under the data version
    (`querysets.search_terms`): a member structure added, or a commune renamed, since
    the same search changes what it finds at once."""

    pole = located_pole("60333", name="Pôle de test")
    assert found(client, "menuiseire") == []
    assert found(client, "Commune de test renommée") == []
    MembershipFactory(pole=pole, structure=StructureFactory(name="Menuiserie Coopérative"))
    refresh_search_text(pole)
    postgresql = connection.vendor == "postgresql"  # typos are corrected there only
    assert found(client, "menuiseire") == (["Pôle de test"] if postgresql else [])
    assert found(client, "menuiserie") == ["Pôle de test"]
    seat = pole.seat_commune
    seat.search_name = "commune de test renommee"
    seat.save()
    assert found(client, "Commune de test renommée") == ["Pôle de test"]


def test_the_lexicon_holds_the_words_of_the_search_texts(db):
    pole = PoleFactory(name="Pôle Arlequin")
    MembershipFactory(pole=pole, structure=StructureFactory(name="Atelier Zéphyr"))
    refresh_search_text(pole)
    words = set(SearchWord.objects.values_list("word", flat=True))
    assert {"arlequin", "atelier", "zephyr"} <= words
    assert rebuild_search_lexicon() == SearchWord.objects.count()


# --- PostgreSQL: what the matches are ranked by ---------------------------------------


def _ranked_pole():
    pole = located_pole(
        "60333",
        name="Pôle Arlequin",
        summary="Une ressourcerie solidaire",
        description="Atelier de réparation et de couture.",
    )
    pole.sectors.add(Sector.objects.create(name="Réemploi de test", slug="reemploi-de-test"))
    MembershipFactory(pole=pole, structure=StructureFactory(name="Menuiserie Zéphyr"))
    refresh_search_text(pole)
    return pole


@pytest.mark.postgres
def test_the_rank_vector_holds_the_name_summary_and_sectors_only(db):
    """`rank_vector` is `search_vector`'s A and B parts, as migration 0020 fills it
    (`ts_filter(search_vector, '{a,b}')`), and follows the pole's edits."""
    pole = _ranked_pole()

    def vectors():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rank_vector::text, ts_filter(search_vector, '{a,b}')::text "
                "FROM poles_pole WHERE id = %s",
                [pole.pk],
            )
            return cursor.fetchone()

    rank, filtered = vectors()
    assert rank == filtered
    assert "arlequin" in rank and "ressourcer" in rank and "reemploi" in rank
    assert "zephyr" not in rank and "coutur" not in rank
    pole.name = "Pôle Colombine"
    pole.save()
    refresh_search_texts(Pole.objects.filter(pk=pole.pk))
    rank, filtered = vectors()
    assert rank == filtered and "colombin" in rank and "arlequin" not in rank


@pytest.mark.postgres
def test_matches_are_ranked_on_the_small_vector(db):
    """The ranking reads `rank_vector` (a few hundred bytes a pole), not each match's
    whole `search_vector` (2 kB on average, members' names included); the matches are
    still found in the whole text."""
    query = str(Pole.objects.search("zephyr").query)
    assert 'ts_rank("poles_pole"."rank_vector"' in query
    assert 'ts_rank("poles_pole"."search_vector"' not in query
    pole = _ranked_pole()
    by_summary = located_pole("60333", name="Pôle Bocage", summary="Menuiserie et ressourcerie")
    refresh_search_text(by_summary)
    # Found by a member's name only: ranked after the pole whose summary names it.
    assert list(Pole.objects.search("menuiserie").values_list("name", flat=True)) == [
        "Pôle Bocage",
        pole.name,
    ]


@pytest.mark.postgres
def test_only_the_words_missing_from_the_lexicon_are_corrected(db):
    from poles.querysets import typo_corrections

    SearchWord.objects.bulk_create(
        [SearchWord(word=word) for word in ("menuiserie", "menuiseries", "menuisier")]
    )
    assert typo_corrections(["menuiserie", "menuiseire"]) == {
        "menuiseire": ["menuiserie", "menuiseries", "menuisier"]
    }
    assert typo_corrections(["menuiserie"]) == {}


@pytest.mark.postgres
def test_the_poles_the_text_names_come_before_those_only_acting_there(client, db):
    """`q=Beauvais`: the name that says Beauvais first (ranked), then the poles seated
    there before those found only because their territory covers it (acting on the
    whole Oise or Hauts-de-France), whatever their names; each group by name. The rank
    alone (name, summary, sectors) ties them all at 0."""
    region_wide = PoleFactory(name="Aaa réseau régional")
    region_wide.territory_regions.set(["32"])
    departement_wide = PoleFactory(name="Abc pôle de l'Oise")
    departement_wide.territory_departements.set(["60"])
    located_pole("60057", name="Zénith solidaire")
    located_pole("60057", name="Pôle Beauvais ressources")
    located_pole("76540", name="Pôle du Havre", summary="Ailleurs.")
    refresh_search_texts(Pole.objects.all())
    assert found(client, "beauvais") == [
        "Pôle Beauvais ressources",  # the name says it
        "Zénith solidaire",  # seated there
        "Aaa réseau régional",
        "Abc pôle de l'Oise",
    ]


def test_the_commune_names_query_reads_what_the_orm_reads(db):
    """`_commune_names` is written by hand (it runs on every search): the same rows, in
    the same order, as the ORM's query, NULL populations included."""
    from poles.querysets import MAX_NAMED_COMMUNES, _commune_names
    from territories.models import Commune

    names = ["saint denis", "paris", "beauvais", "sainte marie", "bray", "no such commune"]
    first = Commune.objects.filter(search_name="sainte marie").order_by("code").first()
    Commune.objects.filter(pk=first.pk).update(population=None)
    orm = list(
        Commune.objects.current()
        .filter(search_name__in=names)
        .order_by("-population", "code")
        .values_list("search_name", "population", "code")[: MAX_NAMED_COMMUNES * 4]
    )
    assert len(orm) > 5
    assert [tuple(row) for row in _commune_names(names)] == orm


@pytest.mark.postgres
def test_the_search_parses_its_query_once_per_execution(db):
    """In the generic plan of a prepared statement (each connection's, from its sixth
    run of the search on), `to_tsquery(config, $1)` is no constant: written as a
    function of the parameter, the ranking parsed it again for every match. The query
    is a scalar subquery (an InitPlan, evaluated once), and the GIN index still
    serves the match."""
    from django.db import transaction

    for index in range(3):
        pole = located_pole("60333", name=f"Économie solidaire de test {index}")
        refresh_search_text(pole)
    ids = Pole.objects.search("economie solidaire").values_list("pk", flat=True)
    assert len(list(ids)) == 3
    sql, params = ids.query.sql_with_params()
    numbered = iter(range(1, len(params) + 1))
    prepared = re.sub(r"%s", lambda _match: f"${next(numbered)}", sql)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        types = ", ".join(["text"] * len(params))  # the configuration's name, the query
        cursor.execute(f"PREPARE ptce_search_test ({types}) AS {prepared}")
        # EXECUTE takes no bound parameter: the test's own values, quoted.
        values = ", ".join("'" + value.replace("'", "''") + "'" for value in params)
        cursor.execute(f"EXPLAIN EXECUTE ptce_search_test({values})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE ptce_search_test")
    assert "$1" in plan or "$0" in plan, plan  # the generic plan
    assert "InitPlan" in plan, plan
    (sort_key,) = [line for line in plan.splitlines() if "Sort Key" in line]
    assert "ts_rank" in sort_key and "to_tsquery" not in sort_key, plan
    assert "pole_search_vector_idx" in plan, plan
