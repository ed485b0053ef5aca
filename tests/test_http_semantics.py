"""HTTP semantics of the public site: methods, and conditional requests with the page
cache on (a 304 only ever validates a 200 the cache holds for that URL)."""

import time

import pytest
from django.core.cache import cache
from django.utils.http import http_date

from tests.factories import located_pole

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/poles/",
    "/poles.geojson",
    "/poles.csv",
    "/poles/structures.csv",
    "/donnees/",
    "/donnees/schema-poles.json",
    "/embed/",
    "/territoires/",
    "/secteurs/",
    "/statistiques/",
    "/statistiques/statuts.csv",
    "/robots.txt",
    "/sitemap.xml",
    "/healthz",
]


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pole():
    return located_pole("60333", name="Pôle de test sémantique")


# --- Methods --------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_get_and_head_answer_every_public_url(client, url):
    assert client.get(url).status_code == 200
    head = client.head(url)
    assert head.status_code == 200
    body = b"".join(head.streaming_content) if head.streaming else head.content
    assert body == b""


@pytest.mark.parametrize("url", [*PUBLIC_URLS, "/poles/inconnu/"])
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch", "trace"])
def test_other_methods_answer_405_with_allow(client, url, method):
    response = getattr(client, method)(url)
    # Even an unknown pole's page: the view is read-only whatever the resource.
    assert response.status_code == 405, (url, method)
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert "Pôle" not in response.content.decode()


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_options_answers_allow_and_no_body(client, url):
    response = client.options(url)
    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.content == b""


def test_the_admin_and_the_language_switch_still_take_posts(client):
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    login = client.post("/admin/login/", {"username": "nobody", "password": "x"})
    assert login.status_code in (200, 403)  # the form again (or CSRF): never 405


# --- Conditional requests with the page cache on --------------------------------------

NOT_FOUND_OR_INVALID = [
    ("/poles/pole-qui-n-existe-pas/", 404),
    ("/territoires/nulle-part/", 404),
    ("/secteurs/nulle-part/", 404),
    ("/poles.geojson?statut=inconnu", 400),
    ("/poles.csv?statut=inconnu", 400),
    ("/statistiques/statuts.csv?statut=inconnu", 400),
    ("/statistiques/inconnu.csv", 404),
]


def future_date() -> str:
    return http_date(time.time() + 365 * 86400)


@pytest.mark.parametrize(("url", "status"), NOT_FOUND_OR_INVALID)
@pytest.mark.parametrize(
    "precondition",
    [
        {"HTTP_IF_NONE_MATCH": "*"},
        {"HTTP_IF_MODIFIED_SINCE": "future"},
        {"HTTP_IF_NONE_MATCH": 'W/"0-0", *'},
    ],
    ids=["if-none-match-star", "future-if-modified-since", "if-none-match-list"],
)
def test_a_url_in_error_never_answers_304(client, page_cache, pole, url, status, precondition):
    headers = {
        name: future_date() if value == "future" else value for name, value in precondition.items()
    }
    for _attempt in range(2):  # before and after anything is cached
        response = client.get(url, **headers)
        assert response.status_code == status, url
        assert not response.has_header("ETag")


def test_a_304_validates_the_page_the_cache_holds(client, page_cache, pole):
    first = client.get("/poles/")
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"
    revalidated = client.get("/poles/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304
    assert revalidated["ETag"] == first["ETag"]
    assert revalidated["Cache-Control"] == first["Cache-Control"]
    assert client.get("/poles/", HTTP_IF_NONE_MATCH="*").status_code == 304
    since = client.get("/poles/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    # A date in the future is no valid precondition: the page itself.
    future = client.get("/poles/", HTTP_IF_MODIFIED_SINCE=future_date())
    assert future.status_code == 200
    assert future.content == first.content


def test_a_page_not_yet_cached_is_rendered_then_validated(client, page_cache, pole):
    """If-None-Match: * on a page nobody asked for yet: the view runs, its 200 is stored,
    and only then does the precondition answer 304."""
    response = client.get("/secteurs/", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 304
    assert client.get("/secteurs/")["X-Cache"] == "hit"


# --- The exports' strong ETag covers the absolute URLs they hold ----------------------


@pytest.mark.parametrize(
    "url", ["/poles.csv", "/poles/structures.csv", "/poles.geojson?champs=tout"]
)
def test_the_export_etag_depends_on_scheme_and_host(client, pole, url):
    local = client.get(url, HTTP_HOST="localhost")
    other_host = client.get(url, HTTP_HOST="127.0.0.1")
    secure = client.get(url, HTTP_HOST="localhost", secure=True)
    etags = {local["ETag"], other_host["ETag"], secure["ETag"]}
    assert len(etags) == 3
    # …and a revalidation from another host gets the body with that host's URLs.
    again = client.get(url, HTTP_HOST="127.0.0.1", HTTP_IF_NONE_MATCH=local["ETag"])
    assert again.status_code == 200
    if url.endswith(".csv") and "structures" not in url:
        assert "http://127.0.0.1/poles/" in b"".join(again.streaming_content).decode()
