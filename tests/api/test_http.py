"""The API's HTTP behaviour: validators and 304, CORS, the rate limit, and problem
details for Django's own errors."""

import pytest

from poles.models import Pole
from tests.factories import located_pole

# The rate limit's counters and the remembered validators live in the cache.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def test_a_read_has_an_etag_and_a_conditional_read_gets_304(client):
    located_pole("60333", slug="bray")

    first = client.get("/api/v1/poles/bray/")
    again = client.get("/api/v1/poles/bray/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert "no-cache" in first["Cache-Control"]
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize("page_cache", [0, 600], ids=["page-cache-off", "page-cache-on"])
def test_an_edit_then_a_conditional_read_gets_the_new_body(client, settings, page_cache):
    settings.PUBLIC_CACHE_SECONDS = page_cache
    pole = located_pole("60333", slug="bray", name="Ancien nom")
    first = client.get("/api/v1/poles/bray/")
    listed = client.get("/api/v1/poles/")
    assert client.get("/api/v1/poles/bray/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    pole.name = "Nouveau nom"
    pole.save()
    after = client.get("/api/v1/poles/bray/", HTTP_IF_NONE_MATCH=first["ETag"])
    listed_after = client.get("/api/v1/poles/", HTTP_IF_NONE_MATCH=listed["ETag"])

    assert after.status_code == 200
    assert after.json()["name"] == "Nouveau nom"
    assert after["ETag"] != first["ETag"]
    assert listed_after.status_code == 200
    assert listed_after.json()["results"][0]["name"] == "Nouveau nom"


def test_with_the_page_cache_on_a_repeated_read_is_answered_without_the_view(
    client, settings, django_assert_max_num_queries
):
    settings.PUBLIC_CACHE_SECONDS = 600
    located_pole("60333", slug="bray")
    first = client.get("/api/v1/poles/bray/")

    with django_assert_max_num_queries(0):
        again = client.get("/api/v1/poles/bray/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_the_language_has_its_own_representation(client):
    located_pole("60333", slug="bray")
    french = client.get("/api/v1/poles/bray/")

    english = client.get("/api/v1/poles/bray/?lang=en", HTTP_IF_NONE_MATCH=french["ETag"])

    assert english.status_code == 200
    assert english["Content-Language"] == "en"


def test_reads_are_open_to_every_origin_but_the_site_is_not(client):
    response = client.get("/api/v1/poles/", HTTP_ORIGIN="https://example.org")
    preflight = client.options(
        "/api/v1/poles/",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    page = client.get("/poles/", HTTP_ORIGIN="https://example.org")

    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "if-none-match" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in page


def test_the_rate_limit_is_per_client_address_with_retry_after(client, settings):
    settings.API_RATE_LIMIT = "3/min"
    settings.TRUSTED_PROXY_COUNT = 1
    one = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    other = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.8"}

    statuses = [client.get("/api/v1/statuses/", **one).status_code for _ in range(4)]
    limited = client.get("/api/v1/statuses/", **one)
    other_client = client.get("/api/v1/statuses/", **other)

    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert limited["Content-Type"] == "application/problem+json"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["type"].endswith("#problem-rate-limited")
    assert other_client.status_code == 200


def test_writes_are_refused(client):
    response = client.post("/api/v1/poles/", data={}, content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Content-Type"] == "application/problem+json"
    assert Pole.objects.count() == 0


def test_django_errors_under_api_are_problems_and_the_site_keeps_its_pages(client):
    bad_host = client.get("/api/v1/poles/", HTTP_HOST="evil.example")
    site_bad_host = client.get("/poles/", HTTP_HOST="evil.example")
    unknown = client.get("/api/v2/poles/")

    assert bad_host.status_code == 400
    assert bad_host["Content-Type"] == "application/problem+json"
    assert site_bad_host.status_code == 400
    assert site_bad_host["Content-Type"].startswith("text/html")
    assert unknown.status_code == 404
    assert unknown.json()["instance"] == "/api/v2/poles/"
