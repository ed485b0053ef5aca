"""What every public page owes its visitors: one name for the site in each language,
French texts marked as French on English pages, the territories in French order with the
empty ones greyed, breadcrumbs, a favicon and a share image that are real files, and
only the scripts a page uses."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from tests.poles.test_pages import text

pytestmark = pytest.mark.django_db

PUBLIC_PATHS = ("/", "/poles/", "/territoires/", "/secteurs/", "/donnees/", "/embed/")


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_the_site_has_one_english_name(client, seeded, path):
    html = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "PTCE directory" in html
    assert "Directory of PTCE" not in html


def test_french_texts_are_marked_as_french_on_english_pages(client, seeded):
    english = client.get("/poles/innovales/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english
    assert re.search(r'<p class="lead" lang="fr">En Haute-Savoie', english)
    assert re.search(r'<div lang="fr"><p>Innovales \(anciennement', english)
    assert '<ul class="sources" lang="fr">' in english
    # The directory's cards: their summaries too.
    listing = client.get("/poles/?q=Innovales", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<p lang="fr">En Haute-Savoie' in listing
    # In French, nothing to say.
    french = client.get("/poles/innovales/").content.decode()
    assert 'lang="fr">' not in french.replace('<html lang="fr">', "")


def test_leaflet_speaks_the_page_language(client, seeded):
    def labels(language):
        html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        config = re.search(r'id="ptce-map-config"[^>]*>(.*?)</script>', html, re.S).group(1)
        return json.loads(config)["labels"]

    french, english = labels("fr"), labels("en")
    assert (french["zoom_in"], french["zoom_out"]) == ("Zoom avant", "Zoom arrière")
    assert (english["zoom_in"], english["zoom_out"]) == ("Zoom in", "Zoom out")
    assert french["statuses"]["ferme"] == "Fermé"
    assert english["statuses"]["ferme"] == "Closed"


def test_pages_without_a_list_link_the_map_to_the_directory(client, seeded):
    home = client.get("/").content.decode()
    assert re.search(r'data-ptce-map[^>]+data-list-url="/poles/"', home)
    embed = client.get("/embed/?region=32").content.decode()
    assert re.search(
        r'data-ptce-map[^>]+data-list-url="http://testserver/poles/\?region=32"', embed
    )
    # The directory and the territory pages have their list below the map.
    for path in ("/poles/", "/territoires/hauts-de-france/"):
        assert "data-list-url" not in client.get(path).content.decode(), path


def test_territories_in_french_order_with_counts_and_the_empty_ones_greyed(client, seeded):
    response = client.get("/territoires/")
    names = [region.name for region in response.context["regions"]]
    # Île-de-France among the I, not after Provence-Alpes-Côte d'Azur.
    assert names.index("Île-de-France") == names.index("Hauts-de-France") + 1
    assert names[-1] != "Île-de-France"
    html = response.content.decode()
    empty = [region for region in response.context["regions"] if not region.pole_count]
    assert empty  # some régions have no seed pole
    for region in empty:
        card = f'territory-card--empty" aria-labelledby="region-{region.code}"'
        assert card in html, region.name
    assert 'class="count-list__empty"><a href="/territoires/hauts-de-france/oise/"' not in html
    assert "Les territoires sans pôle sont grisés." in text(response)
    # The home page's list of régions: the same order.
    home_names = [region.name for region in client.get("/").context["regions"]]
    assert home_names == [name for name in names if name in home_names]
    assert "Île-de-France" in home_names


def test_a_pole_page_has_breadcrumbs(client, seeded):
    response = client.get("/poles/ptce-pays-de-bray/")
    html = response.content.decode()
    crumbs = re.search(r'<nav class="breadcrumb"[^>]*>(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', crumbs)
    assert links == [
        ("/", "Accueil"),
        ("/poles/", "Annuaire"),
        ("/territoires/hauts-de-france/", "Hauts-de-France"),
        ("/territoires/hauts-de-france/oise/", "Oise"),
        ("/poles/ptce-pays-de-bray/", "PTCE du Pays de Bray"),
    ]
    assert 'aria-current="page">PTCE du Pays de Bray</a>' in crumbs


def static_file(url: str) -> Path:
    path = finders.find(url.removeprefix(settings.STATIC_URL))
    assert path, url
    return Path(path)


def test_every_page_has_a_favicon_and_a_share_image_that_exist(client, seeded):
    for path in ("/", "/poles/", "/poles/ptce-pays-de-bray/", "/territoires/", "/embed/"):
        html = client.get(path).content.decode()
        icons = re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"', html)
        assert icons, path
        for icon in icons:
            assert static_file(icon).stat().st_size > 0
    svg = static_file("/static/img/favicon.svg").read_text()
    assert svg.startswith("<svg") and "viewBox" in svg
    # Pages without a logo share the site's image, a 1200×630 PNG.
    for path in ("/", "/territoires/", "/poles/ptce-pays-de-bray/"):
        html = client.get(path).content.decode()
        (image,) = re.findall(r'<meta property="og:image" content="([^"]+)">', html)
        assert image == "http://testserver/static/img/share.png", path
    data = static_file("/static/img/share.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 1200
    assert int.from_bytes(data[20:24], "big") == 630


def test_favicon_ico_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.png"
    assert "max-age=86400" in response["Cache-Control"]


def test_the_footer_links_the_legal_pages(client, seeded):
    footer = client.get("/").content.decode().split('<footer class="site-footer">', 1)[1]
    for path in ("/mentions-legales/", "/confidentialite/", "/accessibilite/", "/contact/"):
        assert f'href="{path}"' in footer, path


@pytest.mark.parametrize("path", ["/", "/poles/", "/poles/ptce-pays-de-bray/", "/embed/"])
def test_public_maps_load_leaflet_without_its_form_plugins(client, seeded, path):
    html = client.get(path).content.decode()
    assert "leaflet/leaflet.js" in html
    for unused in ("leaflet.extras", "leaflet.draw", "with-forms", "force-img-path", "draw_"):
        assert unused not in html, (path, unused)


def test_sector_lists_show_the_markers_colour_and_letters(client, seeded):
    for path in ("/", "/secteurs/"):
        html = client.get(path).content.decode()
        # Food: Tol's green with white letters; eco-construction: sand with black letters.
        assert re.search(
            r'<circle [^>]*fill="#117733"[^>]*/><text [^>]*fill="#ffffff">Al</text>', html
        ), path
    html = client.get("/secteurs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'fill="#ddcc77"[^>]*/><text [^>]*fill="#000000">Ec</text>', html)
