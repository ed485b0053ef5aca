"""/statistiques/ at national scale: a few grouped queries, exact medians, and numbers
cached under an exact data version (never stale)."""

from decimal import Decimal
from statistics import median

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from observatory import facts, selectors
from poles.models import KeyFigure, Pole
from poles.selectors import directory_filterset
from tests.factories import KeyFigureFactory, MembershipFactory, StructureFactory, located_pole

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["generation", "stamp"])
def version_source(request, settings):
    """Numbers cached under the page cache's generation (page cache on), or under the
    data stamp (page cache off), on an empty cache."""
    if request.param == "stamp":
        settings.PUBLIC_CACHE_SECONDS = 0
    else:
        settings.PUBLIC_CACHE_SECONDS = 600
    cache.clear()
    yield request.param
    cache.clear()


def published(query=""):
    filterset = directory_filterset(QueryDict(query))
    assert filterset.is_valid()
    return filterset.qs


def computed(query=""):
    """The indicators by slug, and the number of queries they took."""
    with CaptureQueriesContext(connection) as queries:
        result = {item.slug: item for item in selectors.indicators(published(query))}
    return result, len(queries)


def test_medians_are_exact_on_every_database():
    """Even and odd counts, decimals, large turnovers: the medians computed by the
    database (PostgreSQL) or in Python (SQLite) are those of statistics.median."""
    values = {
        2021: [(Decimal("7.5"), 10), (Decimal("10"), 3_000_000_001), (Decimal("1.1"), 5)],
        2022: [(Decimal("7.5"), 1), (Decimal("10.1"), 2), (None, 4), (Decimal("0.3"), None)],
        2023: [(None, None)],
    }
    for index in range(4):
        pole = located_pole("60333", slug=f"obs-median-{index}")
        for year, rows in values.items():
            if index < len(rows):
                KeyFigureFactory(pole=pole, year=year, etp=rows[index][0], turnover=rows[index][1])
    result = facts.figure_counts(published())
    by_year = {row["year"]: row for row in result["years"]}
    assert set(by_year) == {2021, 2022}  # 2023 has no figure at all
    for year, rows in values.items():
        if year == 2023:
            continue
        etp = [value for value, _ in rows if value is not None]
        turnover = [value for _, value in rows if value is not None]
        row = by_year[year]
        assert row["etp_poles"] == len(etp)
        assert row["etp_total"] == sum(etp)
        assert row["etp_median"] == Decimal(median(etp))
        assert row["turnover_poles"] == len(turnover)
        assert row["turnover_total"] == sum(turnover)
        assert row["turnover_median"] == Decimal(median(turnover))
    assert by_year[2022]["turnover_median"] == Decimal("2")
    assert by_year[2021]["etp_median"] == Decimal("7.5")
    assert result["poles"] == 4
    # The database's answer is the Python one (each computes its own key of the poles
    # behind a total: equal keys within one answer mean the same poles).
    figures = KeyFigure.objects.filter(pole__in=Pole.objects.all())
    in_python = facts.figures_in_python(figures)

    def without_keys(answer):
        return [{k: v for k, v in row.items() if not k.endswith("_key")} for row in answer["years"]]

    assert without_keys(in_python) == without_keys(result)
    assert in_python["poles"] == result["poles"]
    for answer in (result, in_python):
        etp_keys = [row["etp_poles_key"] for row in answer["years"]]
        assert len(set(etp_keys)) == 2  # 2021 and 2022: not the same poles
        turnover_keys = [row["turnover_poles_key"] for row in answer["years"]]
        assert len(set(turnover_keys)) == 1  # the first three poles, both years


def test_indicators_take_a_constant_handful_of_queries():
    located_pole("60333", slug="obs-few-1")
    _, small = computed()
    for index in range(15):
        pole = located_pole("69123", slug=f"obs-few-more-{index}", founded_year=2000 + index)
        KeyFigureFactory(pole=pole, year=2023)
        MembershipFactory(pole=pole, structure=StructureFactory(name=f"Obs few {index}"))
    result, large = computed()
    assert result["statuts"].base == 16
    assert large == small
    # Read inside a test's writing transaction, nothing may be cached: the filter
    # choices' five small queries and their version read are counted here.
    assert large <= 17


def test_numbers_are_cached_until_the_data_change():
    """Computed once per data version; an edit shows at once."""
    first, uncached = computed()
    again, cached = computed()
    assert cached < uncached
    assert again["statuts"].base == first["statuts"].base == 0
    # On SQLite the edit bumps the content generation; on PostgreSQL this test's
    # own uncommitted write turns the cache off for its transaction.
    pole = located_pole("60333", slug="obs-cache-new")
    KeyFigureFactory(pole=pole, year=2023, etp=3, turnover=None)
    after, _ = computed()
    assert after["statuts"].base == 1
    assert after["chiffres-cles"].rows[0]["etp_total"] == 3
    assert computed()[0]["statuts"].base == 1


def test_a_selection_is_cached_under_its_own_key():
    assert facts.selection_key(published("region=32")) == facts.selection_key(
        published("region=32")
    )
    assert facts.selection_key(published("region=32")) != facts.selection_key(
        published("region=84")
    )
    assert facts.selection_key(published()) != facts.selection_key(published("statut=actif"))


def test_the_page_is_rendered_once_per_data_version(client):
    with CaptureQueriesContext(connection) as first:
        html = client.get("/statistiques/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with CaptureQueriesContext(connection) as second:
        again = client.get("/statistiques/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(second) < len(first)
    assert again == html
    french = client.get("/statistiques/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Based on 0 poles." not in french  # its own language, not the cached English
    located_pole("60333", slug="obs-page-new")
    changed = client.get("/statistiques/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Based on 1 pole." in changed


def test_the_version_is_the_generation_with_the_page_cache(version_source):
    version = facts.data_version()
    assert version.startswith(f"{version_source}:")
    located_pole("60333", slug="obs-version-edit")  # bumps the generation and the stamp
    assert facts.data_version() not in (None, version)


def test_the_stamp_moves_with_the_directory_s_data_only(settings):
    from django.db import connections

    settings.PUBLIC_CACHE_SECONDS = 0
    version = facts.data_version()
    assert version.startswith("stamp:") and version == facts.data_version()
    if connection.vendor == "postgresql":
        # Another session commits a transaction that writes none of the directory's
        # data (PostgreSQL's snapshot, the version until December 2026, moved with it):
        # the numbers cached under the stamp are kept.
        other = connections.create_connection("default")
        try:
            other.set_autocommit(True)
            with other.cursor() as cursor:
                cursor.execute("BEGIN; SELECT pg_current_xact_id(); COMMIT;")
        finally:
            other.close()
        assert facts.data_version() == version
    # An edit replaces the stamp inside its own transaction: what this transaction
    # computes from its writes is stored under its own new token, never the old one.
    located_pole("60333", slug="obs-version-own-write")
    assert facts.data_version() not in (None, version)
