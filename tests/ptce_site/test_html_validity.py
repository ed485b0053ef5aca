"""The public pages are valid HTML, checked by the Nu HTML Checker (vnu.jar).

The checker is the W3C's own (https://validator.github.io/validator/), shipped as the
npm package `vnu-jar` (package.json) and run with Debian's Java. It takes seconds to
start, so every page is rendered first and the whole set is checked in one run.

Without Java or vnu.jar the test skips and says why, except under CI (the CI
environment variable, set by .ci/run), where it fails: CI installs both, and a check
that silently stopped running would let invalid markup back in.

The pages are the seed poles' (fixtures/seed), in French and in English, plus what
editors can store that the seed does not hold: a logo, a photo, an e-mail address,
and web addresses saved before they were validated (written here with `update()`,
as an old row or a raw SQL fix would be), whose links must still be valid.
"""

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from poles.images import save_pole_photo, set_pole_logo
from poles.models import Network, Pole, PolePhoto, PoleSource, Structure

VNU_JAR = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Web addresses as a row stored before validation may hold them: each character that
# an href cannot hold as such, and a scheme that must not become a link.
LEGACY_WEBSITE = 'https://example.org/a b<c>"d"{e}|f\\g^h`i[j]%zz#k#l'
LEGACY_EMAIL = '"a b<c>"@example.org'


def require_or_skip(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the HTML validity check must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def vnu() -> list[str]:
    """The command that runs the checker, or a skip (a failure under CI). Session-scoped
    and first in the test's arguments, so a skip comes before the database's setup."""
    java = shutil.which("java")
    if java is None:
        require_or_skip("java not found: install Debian's default-jre-headless")
    if not VNU_JAR.exists():
        require_or_skip(f"{VNU_JAR} not found: run `npm ci` (package.json's vnu-jar)")
    return [java, "-jar", str(VNU_JAR)]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


def image_upload(name: str, size=(800, 600)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def richest_pole(seeded, media_root) -> Pole:
    """A seed pole with everything its page can show, legacy addresses included."""
    pole = Pole.objects.get(slug="ptce-pays-de-bray")
    set_pole_logo(pole=pole, upload=image_upload("logo.jpg", (400, 200)))
    save_pole_photo(
        photo=PolePhoto(pole=pole, alt_text="Un atelier", caption="L’atelier"),
        upload=image_upload("atelier.jpg"),
    )
    Pole.objects.filter(pk=pole.pk).update(website=LEGACY_WEBSITE, email=LEGACY_EMAIL)
    PoleSource.objects.filter(pole=pole).update(url=LEGACY_WEBSITE)
    Network.objects.filter(poles=pole).update(website=LEGACY_WEBSITE)
    Structure.objects.filter(memberships__pole=pole).update(website=LEGACY_WEBSITE)
    pole.refresh_from_db()
    return pole


def page_paths(pole: Pole) -> list[str]:
    """The main public pages: one of each kind, with and without filters."""
    sector = pole.main_sector
    region = pole.seat_commune.departement.region
    departement = pole.seat_commune.departement
    return [
        "/",
        "/poles/",
        "/poles/?q=bray",
        "/poles/?q=%3Cb%3E%C3%A9%22",  # markup and a quote in the search, echoed back
        "/poles/?statut=nope&tri=nope",  # the invalid-filter message
        "/poles/?page=2",
        "/poles/?lieu=Saint-Denis",  # the places an ambiguous name may mean
        "/poles/?commune=60220&tri=distance",  # a commune, its distances, the postal code
        "/poles/?autour=49.44,2.09&commune=abc",  # a position, an invalid commune
        "/poles/?region=76&departement=60&secteur=insertion-emploi",  # chips, empty-result advice
        pole.get_absolute_url(),
        Pole.objects.get(slug="bou-sol").get_absolute_url(),
        "/territoires/",
        region.get_absolute_url(),
        departement.get_absolute_url(),
        "/secteurs/",
        sector.get_absolute_url(),
        "/statistiques/",
        "/statistiques/?q=bray",
        "/donnees/",
        "/embed/",
        "/embed/?q=bray",
        "/api/v1/docs/",  # the API's documentation page
        "/page-qui-n-existe-pas/",  # the styled 404
        "/n-existe-pas/%3Cb%3E%20%25zz%22%C3%A9/",  # a 404 whose path holds odd characters
        "/poles/?" + "&".join(f"x{index}=1" for index in range(1500)),  # the styled 400
    ]


def test_main_pages_are_valid_html(vnu, client, richest_pole, tmp_path):
    files = {}
    for language in ("fr", "en"):
        for number, path in enumerate(page_paths(richest_pole)):
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            expected = 404 if "n-existe-pas" in path else 400 if "x1499" in path else 200
            assert response.status_code == expected, (language, path, response.status_code)
            assert response["Content-Type"].startswith("text/html"), path
            page = tmp_path / "pages" / f"{language}-{number:02d}.html"
            page.parent.mkdir(exist_ok=True)
            page.write_bytes(response.content)
            files[str(page)] = f"{language} {path[:80]}"

    result = subprocess.run(  # noqa: S603 (our own command line, no shell)
        [*vnu, "--format", "json", "--errors-only", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # vnu writes its JSON report on stderr; --errors-only leaves warnings out.
    messages = json.loads(result.stderr)["messages"]
    errors = [
        f"{files.get(message.get('url', '').removeprefix('file:'), message.get('url'))}"
        f" line {message.get('lastLine')}: {message['message']}"
        f" — {message.get('extract', '').strip()!r}"
        for message in messages
        if message["type"] != "info" and not checker_gap(message)
    ]
    assert errors == [], "\n".join(errors)
    assert result.returncode == 0 or all(checker_gap(m) for m in messages), result.stderr


def checker_gap(message: dict) -> bool:
    """What the HTML Standard allows and the checker (vnu-jar 26.9.27, the latest) does
    not know yet: `<link rel="expect" blocking="render">`, which holds a page's first
    render until its map's element is parsed (poles/_map_feed.html). The Standard allows
    `blocking` on a link whose rel is "expect"
    (https://html.spec.whatwg.org/multipage/links.html#link-type-expect). Only that
    message, on an expect link: a `blocking` on any other link stays an error."""
    return "“blocking” attribute must have a “rel” attribute" in message.get(
        "message", ""
    ) and 'rel="expect"' in message.get("extract", "")
