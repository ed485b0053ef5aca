"""Stored feeds and exports (caching/stored.py): the unfiltered map feed, the CSV files and
the full GeoJSON are written once per data stamp and served as stored bytes, and are
replaced after every kind of write that changes them (the table of writes of
tests/poles/test_derived_data.py)."""

import gzip
import json

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client, RequestFactory

from caching import bump_generation
from caching.stamp import read_stamp
from opendata import views
from poles.models import Pole
from tests.factories import located_pole
from tests.poles.test_derived_data import CASES, national, pole  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

STORED_URLS = [
    "/poles.geojson",
    "/poles.csv",
    "/poles/structures.csv",
    "/poles.geojson?champs=tout",
    "/poles/carte.json",
]


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def fetch(url, **headers):
    response = Client().get(url, **headers)
    assert response.status_code == 200, url
    return response, body(response)


def stored_files(settings):
    return sorted(path.name for path in settings.STORED_BODIES_ROOT.iterdir())


def fresh(url, settings, tmp_path_factory) -> bytes:
    """The body built from the data now, in an empty store."""
    previous = settings.STORED_BODIES_ROOT
    settings.STORED_BODIES_ROOT = tmp_path_factory.mktemp("fresh")
    try:
        return fetch(url)[1]
    finally:
        settings.STORED_BODIES_ROOT = previous


@pytest.mark.parametrize(
    ("write", "_coverage", "_stamps", "_finds"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_every_write_replaces_every_stored_body(
    pole,  # noqa: F811 - the fixture imported above
    national,  # noqa: F811
    settings,
    tmp_path_factory,
    write,
    _coverage,
    _stamps,
    _finds,
):
    before = {url: fetch(url) for url in STORED_URLS}
    for url, (first, content) in before.items():
        # Stored: the second request reads the file, with the same validators.
        again, same = fetch(url)
        assert same == content and again["ETag"] == first["ETag"], url
    write(pole, national)
    for url, (first, _content) in before.items():
        response, after = fetch(url)
        name = write.__name__
        assert response["ETag"] != first["ETag"], f"{url} kept its ETag after {name}"
        assert after == fresh(url, settings, tmp_path_factory), f"{url} stale after {name}"


def test_the_stored_feed_is_served_from_its_file_with_its_gzip(settings):
    located_pole("60057", name="Pôle stocké")
    first, content = fetch("/poles.geojson")
    assert json.loads(content)["features"][0]["properties"]["name"] == "Pôle stocké"
    assert int(first["Content-Length"]) == len(content)
    assert "Accept-Encoding" in first["Vary"]
    # Written once: the files of this stamp, plain and gzip, and nothing else.
    (plain, compressed) = stored_files(settings)
    assert compressed == plain + ".gz"
    # Another worker (or process) reads the same files: altered on disk, so is the answer.
    path = settings.STORED_BODIES_ROOT / plain
    path.write_bytes(content.replace("Pôle stocké".encode(), "Pôle modifié".encode()))
    assert "Pôle modifié" in fetch("/poles.geojson")[1].decode()
    path.write_bytes(content)

    zipped, data = fetch("/poles.geojson", HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(data) == content
    assert int(zipped["Content-Length"]) == len(data)
    assert zipped["ETag"] != first["ETag"]  # another representation, another strong ETag
    refused, plain_again = fetch("/poles.geojson", HTTP_ACCEPT_ENCODING="gzip;q=0")
    assert "Content-Encoding" not in refused and plain_again == content


def test_conditional_requests_on_a_stored_body():
    located_pole("60057")
    first, _content = fetch("/poles.csv")

    def status(**headers):
        response = Client().get("/poles.csv", **headers)
        body(response)
        return response.status_code, response.get("ETag")

    assert status(HTTP_IF_NONE_MATCH=first["ETag"]) == (304, first["ETag"])
    assert status(HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]) == (304, first["ETag"])
    assert status(HTTP_IF_NONE_MATCH='"other"')[0] == 200
    bump_generation()  # a write that sends no signal, then its explicit bump
    assert status(HTTP_IF_NONE_MATCH=first["ETag"])[0] == 200


def test_a_new_stamp_removes_the_older_files(settings):
    renamed = located_pole("60057", name="Pôle ancien")
    fetch("/poles.geojson")
    old = stored_files(settings)
    renamed.name = "Pôle nouveau"
    renamed.save()
    assert "Pôle nouveau" in fetch("/poles.geojson")[1].decode()
    new = stored_files(settings)
    assert len(new) == 2 and not set(old) & set(new)


def test_each_language_and_host_has_its_own_body(settings):
    located_pole("60057")
    french = fetch("/poles.geojson", HTTP_ACCEPT_LANGUAGE="fr")[0]
    english = fetch("/poles.geojson", HTTP_ACCEPT_LANGUAGE="en")[0]
    assert french["ETag"] != english["ETag"]
    here = fetch("/poles.csv")[1].decode()
    there = fetch("/poles.csv", HTTP_HOST="localhost")[1].decode()
    assert "http://testserver/poles/" in here and "http://localhost/poles/" in there


def test_a_client_gone_early_leaves_no_file(settings):
    located_pole("60057")
    # The view itself, without the test client's wrapper of streamed responses.
    response = views.export_csv(RequestFactory().get("/poles.csv"), export="poles")
    next(iter(response.streaming_content))
    # The client goes away: the server closes the response. (Without closing the test's
    # database connection in the middle of its transaction, as the test client does.)
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert stored_files(settings) == []
    fetch("/poles.csv")
    assert len(stored_files(settings)) == 2


def test_filtered_feeds_are_not_stored(settings):
    located_pole("60057")
    for url in ("/poles.geojson?departement=60", "/poles.csv?statut=actif"):
        fetch(url)
    assert stored_files(settings) == []


def test_the_page_cache_never_keeps_a_stored_body(settings):
    settings.PUBLIC_CACHE_SECONDS = 600
    located_pole("60057", name="Pôle en cache")
    zipped = Client().get("/poles.geojson", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip"
    # Not from a page cached for the gzip client: plain text for a client without gzip.
    plain = Client().get("/poles.geojson")
    assert "Content-Encoding" not in plain and "X-Cache" not in plain
    assert "Pôle en cache" in plain.content.decode()


def test_the_stamp_moves_with_every_write_and_only_then():
    token, _changed = read_stamp()
    assert read_stamp()[0] == token
    created = located_pole("60057")
    moved = read_stamp()[0]
    assert moved != token
    Client().get("/poles/")  # reading changes nothing
    assert read_stamp()[0] == moved
    Pole.objects.filter(pk=created.pk).update(name="Sans signal")
    assert read_stamp()[0] == moved  # a bulk write must bump itself
    bump_generation()
    assert read_stamp()[0] != moved


def test_a_release_replaces_the_stored_bodies(client):
    """`migrate`, which every release runs, replaces the data stamp: files written by the
    previous code (its columns, its labels) are not served by the new one."""
    from django.core.management import call_command

    from caching.stamp import read_stamp

    before = read_stamp()[0]
    call_command("migrate", verbosity=0)
    assert read_stamp()[0] != before
