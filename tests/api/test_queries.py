"""The API's lists and details read a number of queries that does not grow with the
data: pinned here at two sizes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Cooperator
from poles.models import Approval, Sector
from tests.factories import (
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    located_pole,
)

pytestmark = pytest.mark.django_db


def make_poles(count: int):
    sectors = list(Sector.objects.order_by("pk")[:3])
    approval = Approval.objects.first()
    poles = []
    for number in range(count):
        pole = located_pole("60333", slug=f"pole-{count}-{number}")
        pole.sectors.set(sectors)
        for year in (2020, 2021, 2022):
            KeyFigureFactory(pole=pole, year=year)
        for _ in range(count):
            membership = MembershipFactory(pole=pole)
            membership.structure.approvals.add(approval)
        CooperatorFactory(pole=pole)
        CooperatorFactory(pole=pole, kind=Cooperator.Kind.PERSON)
        poles.append(pole)
    return poles


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


# Queries on SQLite and on PostgreSQL, which reads its data version (the snapshot) once
# per request, for the validators, the filters' cached choices and the cached counts.
# A list is counted, then one page of ids read (`LIMIT`), then their rows: with a data
# version (PostgreSQL outside a test's transaction, or the page cache on) the count is
# read from the cache, so a page takes one query fewer than here.
EXPECTED = {
    # No filter parameter: no filter set, so none of its choices.
    "/api/v1/poles/": (4, 5),
    "/api/v1/poles/?departement=60&secteur={sector}&tri=-etp": (8, 9),
    # The pole, its eight lists in one query, its figures, sources, photos, members and
    # their approvals, its cooperators and their colleges.
    "/api/v1/poles/{pole}/": (9, 10),
    "/api/v1/structures/": (5, 6),
    "/api/v1/regions/32/": (4, 5),
    "/api/v1/communes/60333/": (2, 3),
}


@pytest.mark.parametrize("url", list(EXPECTED))
def test_queries_do_not_grow_with_the_data(client, url):
    sector = Sector.objects.order_by("pk").first().slug
    counts = []
    for size in (2, 6):
        pole = make_poles(size)[0]
        counts.append(queries(client, url.format(pole=pole.slug, sector=sector)))
    sqlite, postgresql = EXPECTED[url]
    assert counts == [postgresql if connection.vendor == "postgresql" else sqlite] * 2


@pytest.mark.parametrize(
    "url", ["/api/v1/structures/", "/api/v1/poles/", "/api/v1/poles/?departement=60"]
)
def test_a_long_list_is_counted_once_per_data_version(client, settings, url):
    settings.PUBLIC_CACHE_SECONDS = 600  # the data version is the content generation
    cache.clear()
    make_poles(3)
    url += "&" if "?" in url else "?"
    client.get("/api/v1/poles/?statut=actif")  # the filters' choices, cached in turn

    first = queries(client, f"{url}page_size=2")
    second = queries(client, f"{url}page_size=2&page=2")

    assert second == first - 1
