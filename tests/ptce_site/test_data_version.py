"""The data version is read once per request, and never held past a write or a request.

Every read of the version costs a query (the data stamp) or a round trip to the shared
cache (the content generation, page cache on). Under load each query of a page waits
for a turn on the CPU: a page that read the version twice paid for it twice.
"""

import contextlib

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from caching import data_version
from caching.models import DataStamp
from caching.stamp import STAMP_PK
from editors.models import EditorProfile
from tests.factories import editor, located_pole

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["stamp", "generation"])
def version_source(request, settings):
    """Both sources of the version: the data stamp (page cache off, the default) and
    the content generation (page cache on, in production)."""
    settings.PUBLIC_CACHE_SECONDS = 600 if request.param == "generation" else 0
    cache.clear()
    yield request.param
    cache.clear()


@contextlib.contextmanager
def inside_a_request():
    """What a WSGI server does around a view: the request's signals (without closing
    the test's connection, as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        try:
            yield
        finally:
            request_finished.send(sender=None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def stamp_reads(queries) -> int:
    return sum(DataStamp._meta.db_table in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/poles/",  # the filter form's lists and the map's first screen
        "/poles/?q=pole+test",
        "/poles/?region=32",
        "/embed/",
        "/statistiques/",
    ],
)
def test_a_public_page_reads_the_data_stamp_once(client, path):
    located_pole("60057", name="Pôle de test de Beauvais")
    client.get(path)  # the versioned numbers are computed and cached
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    assert stamp_reads(queries) == 1


def test_an_admin_changelist_reads_the_data_stamp_once(client):
    located_pole("60057", name="Pôle de test de Beauvais")
    client.force_login(editor(EditorProfile.Role.NATIONAL))
    client.get("/admin/poles/pole/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/poles/pole/").status_code == 200
    assert stamp_reads(queries) == 1


def test_a_request_reads_the_version_once(version_source):
    with inside_a_request():
        with CaptureQueriesContext(connection) as queries:
            first = data_version()
            assert data_version() == first
        assert stamp_reads(queries) == (1 if version_source == "stamp" else 0)


def test_a_write_during_the_request_gives_its_next_read_a_new_version(version_source):
    pole = located_pole("60057", name="Pôle de test de Beauvais")
    with inside_a_request():
        before = data_version()
        pole.name = "Pôle de test renommé"
        pole.save()
        after = data_version()
        assert after != before
        assert data_version() == after


def test_outside_a_request_every_read_asks(version_source):
    """A management command or a worker that is not serving a request never holds a
    version: another process may write at any time."""
    with CaptureQueriesContext(connection) as queries:
        data_version()
        data_version()
    assert stamp_reads(queries) == (2 if version_source == "stamp" else 0)


def test_a_version_is_not_kept_past_its_request():
    """Another process writes between two requests (without any signal here): the next
    request, and any read outside a request, sees it."""
    with inside_a_request():
        before = data_version()
    DataStamp.objects.filter(pk=STAMP_PK).update(token="written-by-another-process")
    assert data_version() == "stamp:written-by-another-process" != before
    with inside_a_request():
        assert data_version() == "stamp:written-by-another-process"


def test_each_request_reads_afresh():
    with inside_a_request():
        data_version()
    with inside_a_request():
        DataStamp.objects.filter(pk=STAMP_PK).update(token="written-in-between")
        assert data_version() == "stamp:written-in-between"
