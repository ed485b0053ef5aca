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


# Queries on either database, the data version (the data stamp) read once per request,
# for the validators, the filters' cached choices and the cached counts. A list is
# counted, then one page of ids read (`LIMIT`), then their rows: the count is cached
# under the data version, so a page after the first takes one query fewer than here.
EXPECTED = {
    # No filter parameter: no filter set, so none of its choices.
    "/api/v1/poles/": 5,
    "/api/v1/poles/?departement=60&secteur={sector}&tri=-etp": 9,
    # A commune is resolved in one query; a position's nearest commune is one query
    # (territories.places.nearest_commune), which orders the poles without a position.
    "/api/v1/poles/?commune=60333&tri=distance": 10,
    "/api/v1/poles/?autour=49.44,2.09&tri=distance": 10,
    # The pole, its eight lists in one query, its figures, sources, photos, members and
    # their approvals, its cooperators with their colleges (one query).
    "/api/v1/poles/{pole}/": 9,
    "/api/v1/structures/": 6,
    "/api/v1/regions/32/": 5,
    "/api/v1/communes/60333/": 3,
}


@pytest.mark.parametrize("url", list(EXPECTED))
def test_queries_do_not_grow_with_the_data(client, url):
    sector = Sector.objects.order_by("pk").first().slug
    counts = []
    for size in (2, 6):
        pole = make_poles(size)[0]
        counts.append(queries(client, url.format(pole=pole.slug, sector=sector)))
    assert counts == [EXPECTED[url]] * 2


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
