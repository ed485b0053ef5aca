"""/poles/: what a visitor sees, pages, partial results for the script, query budget."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from poles.models import Network, Pole, PoolingType, Sector
from poles.services import refresh_search_texts
from tests.factories import directory_poles, located_pole
from tests.seed_data import seed_names, seed_rows

pytestmark = pytest.mark.django_db


def listed(content: str) -> list[str]:
    return [
        unescape(name)
        for name in re.findall(r'<li class="pole-card">\s*<h3><a href="[^"]+">(.*?)</a>', content)
    ]


def get(client, url, data=None, **extra):
    response = client.get(url, data, HTTP_ACCEPT_LANGUAGE="en", **extra)
    assert response.status_code == 200
    return response.content.decode()


def test_the_directory_shows_count_list_form_and_map(client, seeded):
    content = get(client, "/poles/")
    assert f"{len(seed_rows())} poles found" in content
    assert len(listed(content)) == 20  # the first page
    assert 'role="search"' in content
    assert 'aria-live="polite"' in content
    assert 'id="directory-map"' in content
    assert "data-ptce-map" in content
    assert 'data-feed-url="/poles/carte.json"' in content
    assert "poles/js/directory.js" in content
    assert "poles/js/map.js" in content
    # A result links to the pole's page and shows its latest ETP with its year.
    content = get(client, "/poles/", {"q": "Bray"})
    assert 'href="/poles/ptce-pays-de-bray/"' in content
    assert "145 full-time equivalents (ETP) in" in content


def test_one_result_is_counted_in_the_singular(client, seeded):
    assert "1 pole found" in get(client, "/poles/?statut=ferme")


def test_the_map_follows_the_filters_but_not_the_page(client, seeded):
    content = get(client, "/poles/?secteur=agriculture&region=76&page=1")
    assert 'data-feed-url="/poles/carte.json?secteur=agriculture&amp;region=76"' in content


@pytest.fixture
def many_poles(db):
    sector = Sector.objects.get(slug="mobilite")
    return directory_poles(45, sectors=[sector])


def test_pagination_keeps_the_filters(client, many_poles):
    content = get(client, "/poles/?secteur=mobilite&tri=-etp")
    assert "45 poles found" in content
    assert len(listed(content)) == 20
    assert "Page 1 of 3" in content
    assert 'href="?secteur=mobilite&amp;tri=-etp&amp;page=2" rel="next"' in content
    page_2 = get(client, "/poles/?secteur=mobilite&tri=-etp&page=2")
    assert "Page 2 of 3" in page_2
    assert 'href="?secteur=mobilite&amp;tri=-etp&amp;page=1" rel="prev"' in page_2
    assert 'href="?secteur=mobilite&amp;tri=-etp&amp;page=3" rel="next"' in page_2
    # Pages do not overlap and, together, list every pole once.
    page_3 = get(client, "/poles/?secteur=mobilite&tri=-etp&page=3")
    names = listed(content) + listed(page_2) + listed(page_3)
    assert len(names) == len(set(names)) == 45


def test_sort_links_keep_the_filters_and_restart_at_page_one(client, many_poles):
    content = get(client, "/poles/?secteur=mobilite&page=2")
    assert 'href="?secteur=mobilite&amp;tri=-etp"' in content
    assert 'href="?secteur=mobilite&amp;tri=nom"' in content


PAGE_CASES = [
    ("0", "Page 1 of 3", "This page number is not valid: here is the first page."),
    ("-1", "Page 1 of 3", "This page number is not valid: here is the first page."),
    ("abc", "Page 1 of 3", "This page number is not valid: here is the first page."),
    ("1.5", "Page 1 of 3", "This page number is not valid: here is the first page."),
    ("9" * 5000, "Page 3 of 3", "There are fewer pages of results: here is the last one."),
    ("99999", "Page 3 of 3", "There are fewer pages of results: here is the last one."),
    ("<b>2</b>", "Page 1 of 3", "This page number is not valid: here is the first page."),
]


def test_wrong_page_numbers_show_the_nearest_page(client, many_poles):
    for page, shown, message in PAGE_CASES:
        content = get(client, "/poles/", data={"secteur": "mobilite", "page": page})
        assert shown in content, page
        assert message in content, page
        assert "<b>2</b>" not in content


def test_a_page_beyond_an_empty_result_is_not_an_error(client, seeded):
    content = get(client, "/poles/?q=zzyzx&page=4")
    assert "0 poles found" in content


def test_the_script_gets_only_the_results(client, seeded):
    response = client.get(
        "/poles/?secteur=agriculture", HTTP_X_REQUESTED_WITH="fetch", HTTP_ACCEPT_LANGUAGE="en"
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "<form" not in content
    assert f"{len(seed_names(sectors='agriculture'))} poles found" in content
    assert 'data-feed-url="/poles/carte.json?secteur=agriculture"' in content
    assert "X-Requested-With" in response["Vary"]
    # Same with ?partial=1, which the links never keep.
    content = get(client, "/poles/?secteur=agriculture&partial=1")
    assert "<html" not in content
    assert 'data-feed-url="/poles/carte.json?secteur=agriculture"' in content


def test_errors_come_with_the_partial_results(client, seeded):
    content = get(client, "/poles/?commune=99999", HTTP_X_REQUESTED_WITH="fetch")
    assert 'data-field-error="commune"' in content
    assert "No commune has the INSEE code or postal code 99999." in content


def test_french_by_default(client, seeded):
    content = client.get("/poles/").content.decode()
    assert '<html lang="fr">' in content


def _directory_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        content = response.content.decode()
    assert response.status_code == 200
    assert "pole-card" in content
    return len(queries)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?secteur=mobilite&secteur=agriculture&region=32&tri=-etp",
        "?departement=60&statut=actif&mutualisation=locaux&reseau=coorace&tri=creation",
        "?commune=60333&q=test&page=2",
        # A postal code in the search (Lachapelle-aux-Pots' 60650): one indexed lookup,
        # instead of the commune names' probe.
        "?q=test+60650&page=2",
        "?autour=49.44,2.09",
    ],
)
def test_directory_queries_do_not_grow_with_the_data(
    client, db, django_assert_max_num_queries, query
):
    """The same number of queries for 3 and for 30 poles (sectors, members, figures)."""
    sectors = list(Sector.objects.filter(slug__in=["mobilite", "agriculture"]))
    pooling = list(PoolingType.objects.filter(slug="locaux"))
    networks = list(Network.objects.filter(slug="coorace"))
    directory_poles(3, sectors=sectors, pooling_types=pooling, networks=networks)
    small = _directory_queries(client, f"/poles/{query}")
    directory_poles(27, sectors=sectors, pooling_types=pooling, networks=networks)
    large = _directory_queries(client, f"/poles/{query}")
    if "page=2" in query:
        # The page carries the count; 3 poles have no page 2, and a page past the end is
        # counted apart to show the last page (poles/pagination.py).
        assert large == small - 2
    else:
        assert small == large
    # 12 at most: a place (`commune`) is resolved in two (the commune, then the place's
    # communes); PostgreSQL reads its snapshot for the cached filter choices.
    with django_assert_max_num_queries(12):
        content = client.get(f"/poles/{query}").content.decode()
        assert "Pôle de test" in content


def test_unpublished_poles_are_never_listed(client, db):
    located_pole("60333", name="Pôle caché de test", is_published=False)
    located_pole("60333", name="Pôle visible de test")
    refresh_search_texts(Pole.objects.all())
    assert listed(get(client, "/poles/")) == ["Pôle visible de test"]
    assert listed(get(client, "/poles/?q=pole")) == ["Pôle visible de test"]
    assert listed(get(client, "/poles/?q=cache")) == []
