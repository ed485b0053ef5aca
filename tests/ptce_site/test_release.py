"""What one release cached or stored is never read by another (caching/release.py).

During a release the old and the new code run side by side (gunicorn's old workers
finish their requests, one instance restarts before the other), under the same data
version once `migrate` has moved it: each must read only what the same code stored.
"""

import pytest
from django.test import Client

from caching import versioned
from caching.release import release
from caching.versioned import data_version
from poles.filters import FILTER_CHOICES_NAME
from tests.factories import located_pole

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture
def pole():
    return located_pole("60057", name="Pôle de la version")


def test_the_directory_never_reads_the_filter_lists_of_another_release(settings, client, pole):
    settings.RELEASE = "old"
    # What an older release stored for the directory's filters, without the keys the
    # running code reads (a server error on every directory page before).
    versioned(
        FILTER_CHOICES_NAME,
        lambda: {"region": [], "departement": []},
        per_language=True,
        version=data_version(),
    )
    settings.RELEASE = "new"
    response = client.get("/poles/")
    assert response.status_code == 200
    assert "Pôle de la version" in response.content.decode()
    assert 'value="60"' in response.content.decode(), "the Oise is in the département list"


def test_a_page_another_release_cached_is_rendered_again(settings, pole):
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.RELEASE = "old"
    first = Client().get("/poles/")
    assert first["X-Cache"] == "miss"
    assert Client().get("/poles/")["X-Cache"] == "hit"
    settings.RELEASE = "new"
    again = Client().get("/poles/")
    assert again["X-Cache"] == "miss"
    assert again["ETag"] != first["ETag"], "a browser's copy of the old page is not validated"
    assert Client().get("/poles/")["X-Cache"] == "hit"


def test_a_stored_export_of_another_release_is_built_again_and_replaced(settings, pole):
    settings.RELEASE = "old"
    old = Client().get("/poles.csv")
    b"".join(old.streaming_content)
    old_files = set(settings.STORED_BODIES_ROOT.iterdir())
    assert old_files
    assert Client().get("/poles.csv", headers={"If-None-Match": old["ETag"]}).status_code == 304
    settings.RELEASE = "new"
    new = Client().get("/poles.csv", headers={"If-None-Match": old["ETag"]})
    assert new.status_code == 200
    assert "Pôle de la version" in b"".join(new.streaming_content).decode()
    assert new["ETag"] != old["ETag"]
    new_files = set(settings.STORED_BODIES_ROOT.iterdir())
    assert new_files and not (new_files & old_files), "the old release's files are removed"


def test_the_release_is_a_digest_of_the_running_code_unless_named(settings, tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("A = 1\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_views.py").write_text("B = 1\n")
    settings.RELEASE = ""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.BASE_DIR = tmp_path
    first = release()
    assert first == release()
    (tmp_path / "tests" / "test_views.py").write_text("B = 2\n")
    settings.BASE_DIR = tmp_path  # forgets the digest read at start-up
    assert release() == first, "tests are not running code"
    for folder in ("venv/lib", "var/stored"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "module.py").write_text("C = 1\n")
    settings.BASE_DIR = tmp_path
    assert release() == first, "nor a virtualenv or the stored feeds"
    (tmp_path / "app" / "views.py").write_text("A = 2\n")
    settings.BASE_DIR = tmp_path
    changed = release()
    assert changed != first
    settings.STATIC_ROOT.mkdir()
    (settings.STATIC_ROOT / "staticfiles.json").write_text('{"paths": {"site.css": "site.1.css"}}')
    settings.STATIC_ROOT = settings.STATIC_ROOT
    assert release() != changed, "new static file names render other pages"
    settings.RELEASE = "2026-12-07.1"
    assert release() == "2026-12-07.1"


def test_two_instances_of_one_release_share_their_cache_wherever_installed(settings, tmp_path):
    releases = []
    for folder in ("a", "b"):
        base = tmp_path / folder
        (base / "app").mkdir(parents=True)
        (base / "app" / "views.py").write_text("A = 1\n")
        static = tmp_path / f"static-{folder}"  # outside the checkout, as in production
        static.mkdir()
        (static / "staticfiles.json").write_text('{"paths": {}}')
        settings.RELEASE = ""
        settings.BASE_DIR = base
        settings.STATIC_ROOT = static
        releases.append(release())
    assert releases[0] == releases[1]
