"""The observatory's query counts, pinned (issue 15, item 3): one grouped query per
family of indicators, whatever the number of poles, structures or figures."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import translation

from observatory.templatetags.observatory import _Numbers, obs_number
from poles.models import Sector
from tests.factories import KeyFigureFactory, MembershipFactory, StructureFactory, located_pole

pytestmark = pytest.mark.django_db

# The filter form's choices (régions, départements, sectors, pooling types), read to
# validate the query string, on every page and CSV.
FORM_QUERIES = 4
# /statistiques/ on an empty cache: the form, the four families (poles 1, activities
# 2, structures 1, figures 1) and the reference lists the indicators label
# (territories, legal forms, pooling types, sectors: 4).
PAGE_QUERIES = FORM_QUERIES + 5 + 4
# One indicator's CSV: its family and its reference list.
# (sectors' shares divide by the number of poles: the poles' family too).
CSV_QUERIES = {"statuts": 1, "secteurs": 4, "chiffres-cles": 1, "familles-juridiques": 2}


def version_queries() -> int:
    """Page cache off, the data version is the data stamp: one query, read once per
    request for the form's choices and the indicators (caching/request_version.py)."""
    return 1


def more_poles(count: int):
    for index in range(count):
        pole = located_pole("69123", slug=f"obs-pin-{index}", founded_year=2000 + index)
        pole.sectors.set(Sector.objects.filter(slug="formation"))
        KeyFigureFactory(pole=pole, year=2022)
        KeyFigureFactory(pole=pole, year=2023)
        MembershipFactory(pole=pole, structure=StructureFactory(name=f"Obs pin {index}"))


@pytest.mark.parametrize("count", [1, 12])
@pytest.mark.parametrize("query", ["", "?secteur=formation"])
def test_the_page_takes_a_pinned_number_of_queries(
    client, settings, django_assert_num_queries, count, query
):
    settings.PUBLIC_CACHE_SECONDS = 0  # the view's own cost, as measured
    more_poles(count)
    cache.clear()
    with django_assert_num_queries(PAGE_QUERIES + version_queries()):
        response = client.get(f"/statistiques/{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("slug", CSV_QUERIES)
@pytest.mark.parametrize("count", [1, 12])
def test_each_csv_takes_a_pinned_number_of_queries(
    client, settings, django_assert_num_queries, slug, count
):
    settings.PUBLIC_CACHE_SECONDS = 0
    more_poles(count)
    cache.clear()
    with django_assert_num_queries(FORM_QUERIES + CSV_QUERIES[slug] + version_queries()):
        response = client.get(f"/statistiques/{slug}.csv")
    assert response.status_code == 200


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_tables_numbers_are_those_of_obs_number(language):
    """The tables are written in Python with the separators read once: the same text
    as the template filter's number_format, in each language."""
    values = [0, 7, 1234, 1_234_567, Decimal("7.5"), Decimal("1234.56"), Decimal("10.0"), 12.345]
    with translation.override(language):
        number = _Numbers()
        assert [number(value) for value in values] == [obs_number(value) for value in values]
