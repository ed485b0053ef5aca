"""/poles/ pages without reading every id: a count and one page (LIMIT/OFFSET), the
result count exact, whatever the filters."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from poles.models import Pole
from tests.factories import located_pole

pytestmark = pytest.mark.django_db


def listed(content: str) -> list[str]:
    return [
        unescape(name)
        for name in re.findall(r'<li class="pole-card">\s*<h3><a href="[^"]+">(.*?)</a>', content)
    ]


@pytest.fixture
def poles():
    return [located_pole("60333", name=f"Pôle {index:02d}") for index in range(45)]


def pole_id_reads(queries) -> list[str]:
    """The queries that read the poles' ids in the list's order."""
    return [
        query["sql"]
        for query in queries
        if query["sql"].startswith('SELECT "poles_pole"."id" AS "pk" FROM')
        and "ORDER BY" in query["sql"]
    ]


@pytest.mark.parametrize("query", ["", "?statut=actif&tri=-nom", "?departement=60&tri=creation"])
def test_a_page_reads_only_its_own_ids(client, poles, query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            f"/poles/{query}{'&' if query else '?'}page=2", HTTP_ACCEPT_LANGUAGE="en"
        )
    content = response.content.decode()
    assert response.status_code == 200
    (read,) = pole_id_reads(queries.captured_queries)
    assert "LIMIT 20 OFFSET 20" in read
    assert "Page 2 of 3" in content
    assert len(listed(content)) == 20


def test_the_count_and_pages_stay_exact(client, poles):
    Pole.objects.filter(pk=poles[0].pk).update(is_published=False)
    names = []
    for page in (1, 2, 3):
        content = client.get(f"/poles/?page={page}").content.decode()
        assert "44" in content  # the result count
        names += listed(content)
    assert names == sorted(f"Pôle {index:02d}" for index in range(1, 45))


def test_an_invalid_filter_lists_nothing_without_a_query_for_ids(client, poles):
    with CaptureQueriesContext(connection) as queries:
        content = client.get("/poles/?region=99").content.decode()
    assert listed(content) == []
    assert pole_id_reads(queries.captured_queries) == []
