"""Security and caching headers of every response: Content-Security-Policy,
Permissions-Policy and Cache-Control."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from editors.models import EditorProfile
from tests.factories import editor, located_pole

pytestmark = pytest.mark.django_db

PAGES = ["/", "/poles/", "/poles/pole-entete/", "/statistiques/", "/donnees/", "/secteurs/"]


@pytest.fixture
def pole():
    return located_pole("60333", name="Pôle de test entêtes", slug="pole-entete")


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(editor(EditorProfile.Role.NATIONAL))
    return client


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_a_strict_content_security_policy(client, pole, url):
    response = client.get(url)
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "https://tile.openstreetmap.org" in csp["img-src"]
    assert not any("unsafe" in source for sources in csp.values() for source in sources)


@pytest.mark.parametrize("url", PAGES)
def test_pages_hold_no_inline_script_or_style(client, pole, url):
    """What the policy would block: inline scripts (other than JSON data blocks),
    <style> elements, style="" attributes and on…="" handlers."""
    html = client.get(url).content.decode()
    # The embed snippet offered for copying is text, not markup.
    html = re.sub(r"<textarea\b.*?</textarea>", "", html, flags=re.DOTALL)
    for script in re.findall(r"<script\b[^>]*>", html):
        data_block = re.search(r'type="application/(ld\+)?json"', script)
        assert "src=" in script or data_block, script
    assert "<style" not in html
    assert not re.search(r"\sstyle=\"", html)
    assert not re.search(r"\son[a-z]+=\"", html)


def test_the_tiles_host_follows_the_map_configuration():
    from ptce_site.settings.base import _origin

    assert _origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert _origin("/tiles/{z}/{x}/{y}.png") is None


@pytest.mark.parametrize("url", ["/", "/poles/", "/admin/login/", "/embed/", "/poles.csv"])
def test_every_response_has_a_permissions_policy(client, url):
    header = client.get(url)["Permissions-Policy"]
    for feature in ("camera", "microphone", "payment"):
        assert f"{feature}=()" in header
    # The directory's "Around me" asks for the position: this site only, no frame.
    assert "geolocation=(self)" in header


def test_public_pages_may_be_cached_briefly_with_the_page_cache(client, page_cache, pole, settings):
    for url in PAGES:
        first = client.get(url)
        assert first["Cache-Control"] == f"public, max-age={settings.PUBLIC_MAX_AGE}", url
        again = client.get(url)
        assert again["X-Cache"] == "hit"
        assert again["Cache-Control"] == first["Cache-Control"]


def test_without_the_page_cache_public_pages_are_revalidated(client, pole):
    assert client.get("/poles/")["Cache-Control"] == "no-cache"


def test_errors_and_streamed_exports_are_revalidated(client, page_cache, pole):
    assert client.get("/poles/inconnu/")["Cache-Control"] == "no-cache"
    assert client.get("/poles.geojson?statut=x")["Cache-Control"] == "no-cache"
    assert client.get("/poles.csv")["Cache-Control"] == "no-cache"


def test_staff_pages_are_private_and_never_stored(staff_client, page_cache, pole):
    for url in ["/", "/poles/", "/statistiques/"]:
        cache_control = staff_client.get(url)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control
    admin = staff_client.get(reverse("admin:poles_pole_changelist"))["Cache-Control"]
    assert "private" in admin and "no-store" in admin


def test_robots_keeps_its_own_long_cache(client):
    assert client.get("/robots.txt")["Cache-Control"] == "max-age=86400, public"
