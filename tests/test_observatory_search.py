"""A search text with no letter or digit (`?q=€`, `?q=%_%`, `?q=١`, `?q=—`) on the
observatory and its CSV files: never a server error, on SQLite and PostgreSQL, and the
same selection as the directory's (/poles/) for the same text.

The rule (poles.querysets.PoleQuerySet.search): a text with nothing but spaces and
separators filters nothing; a text with other characters but no searchable word (no
ASCII letter or digit once accents are removed) matches no pole, on every database."""

import csv
import io

import pytest
from django.core.cache import cache

from observatory.selectors import INDICATORS
from poles.models import Pole
from poles.services import refresh_search_texts
from tests.factories import located_pole

pytestmark = pytest.mark.django_db

NO_WORD = ["€", "%_%", "١", "—", "%", "_", "€ — ١", "😀", "ß̶"]
NO_FILTER = ["", " ", "'", "-", "’ - '"]


@pytest.fixture(params=[0, 600], ids=["page-cache-off", "page-cache-on"])
def page_cache(request, settings):
    settings.PUBLIC_CACHE_SECONDS = request.param
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def poles():
    created = [
        located_pole("60333", name="Pôle € picard", description="Prix en € — ١٢"),
        located_pole("13055", name="Bou'Sol % _ marseillais"),
    ]
    refresh_search_texts(Pole.objects.all())
    return created


def directory_count(client, text) -> int:
    response = client.get("/poles.csv", {"q": text})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return len(rows) - 1


def statuses_base(client, text) -> int:
    response = client.get("/statistiques/statuts.csv", {"q": text})
    assert response.status_code == 200, response.content[:500]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return sum(int(row["poles"]) for row in rows)


@pytest.mark.parametrize("text", NO_WORD)
def test_a_search_without_any_word_matches_no_pole(client, page_cache, poles, text):
    page = client.get("/statistiques/", {"q": text}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Based on 0 poles." in page.content.decode()
    assert statuses_base(client, text) == 0
    assert directory_count(client, text) == 0
    listing = client.get("/poles/", {"q": text})
    assert listing.status_code == 200
    assert "Pôle € picard" not in listing.content.decode()


@pytest.mark.parametrize("text", NO_FILTER)
def test_a_search_of_separators_only_filters_nothing(client, page_cache, poles, text):
    page = client.get("/statistiques/", {"q": text}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Based on 2 poles." in page.content.decode()
    assert statuses_base(client, text) == 2
    assert directory_count(client, text) == 2


@pytest.mark.parametrize("indicator", sorted(INDICATORS))
def test_every_indicator_csv_answers_an_empty_selection(client, page_cache, poles, indicator):
    response = client.get(f"/statistiques/{indicator}.csv", {"q": "€"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
