"""/embed/ (the only frameable page), the directory's embed snippet, and the pole page's
JSON-LD and Open Graph tags."""

import html as html_lib
import json
import re

import pytest

from members.models import Cooperator
from poles.models import Sector
from tests.factories import (
    CooperatorFactory,
    MembershipFactory,
    StructureFactory,
    located_pole,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pole():
    pole = located_pole(
        "60333",
        name="Pôle </script><b>d'essai</b>",
        slug="pole-essai",
        summary="Un pôle synthétique pour tester les métadonnées.",
        address="1 rue de l'Essai",
        postal_code="60650",
        website="https://pole-essai.example.org/",
    )
    pole.sectors.set(Sector.objects.filter(slug="formation"))
    MembershipFactory(
        pole=pole, structure=StructureFactory(name="Animatrice de test"), role="animator"
    )
    MembershipFactory(pole=pole, structure=StructureFactory(name="Membre actuel de test"))
    MembershipFactory(
        pole=pole, structure=StructureFactory(name="Ancien membre de test"), left_year=2019
    )
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name="Personne Discrète-Testeuse",
        email="discrete@example.org",
        phone="07 00 00 00 00",
    )
    return pole


# --- Framing ---------------------------------------------------------------------------------


def test_embed_page_may_be_framed_by_any_site(client, pole):
    response = client.get("/embed/?secteur=formation")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    directives = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "frame-ancestors *" in directives
    assert "script-src 'self'" in directives  # the rest of the policy holds


@pytest.mark.parametrize(
    "url",
    ["/", "/poles/", "/poles/pole-essai/", "/statistiques/", "/donnees/", "/poles.csv"],
)
def test_every_other_page_refuses_framing(client, pole, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    directives = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "frame-ancestors 'none'" in directives


def test_embed_page_is_a_map_with_the_filters_whose_links_open_a_new_tab(client, pole):
    html = client.get("/embed/?secteur=formation&tri=-nom&page=2").content.decode()
    assert 'data-ptce-map data-link-target="_blank"' in html
    assert 'data-feed-url="/poles/carte.json?secteur=formation"' in html
    assert (
        'href="http://testserver/poles/?secteur=formation&amp;tri=-nom" target="_blank" '
        'rel="noopener"' in html
    )
    assert 'class="site-header"' not in html  # the map alone
    assert 'name="robots" content="noindex"' in html


def test_embed_page_with_invalid_filters_says_so(client, db):
    response = client.get("/embed/?region=zz")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_map_script_knows_the_new_tab_option():
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / "static/poles/js/map.js").read_text()
    assert 'getAttribute("data-link-target") === "_blank"' in script
    assert 'link.rel = "noopener"' in script


# --- The directory's snippet ------------------------------------------------------------------


def test_directory_gives_the_iframe_snippet_for_the_current_filters(client, pole):
    html = client.get("/poles/?secteur=formation&page=1").content.decode()
    (snippet,) = re.findall(r"<textarea[^>]*data-embed-snippet>(.*?)</textarea>", html, re.S)
    code = html_lib.unescape(snippet)
    assert code.startswith('<iframe src="http://testserver/embed/?secteur=formation"')
    assert 'title="' in code and code.endswith("></iframe>")
    assert 'href="/poles.csv?secteur=formation&amp;page=1"' not in html
    assert 'href="/poles.csv?secteur=formation"' in html


def test_snippet_follows_the_filters_in_the_partial_results(client, pole):
    html = client.get(
        "/poles/?secteur=formation&partial=1", HTTP_X_REQUESTED_WITH="fetch"
    ).content.decode()
    assert 'src="http://testserver/embed/?secteur=formation"' in html
    assert "partial" not in html.split("data-embed-snippet>")[1]


# --- Pole page: JSON-LD and Open Graph ----------------------------------------------------------


def json_ld(html: str) -> dict:
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(script)


def test_pole_page_describes_the_pole_in_json_ld(client, pole):
    html = client.get("/poles/pole-essai/").content.decode()
    data = json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Organization"
    assert data["name"] == pole.name
    assert data["url"] == "http://testserver/poles/pole-essai/"
    assert data["address"] == {
        "@type": "PostalAddress",
        "addressCountry": "FR",
        "streetAddress": "1 rue de l'Essai",
        "postalCode": "60650",
        "addressLocality": "Lachapelle-aux-Pots",
        "addressRegion": "Hauts-de-France",
    }
    assert data["geo"] == {
        "@type": "GeoCoordinates",
        "latitude": float(pole.latitude),
        "longitude": float(pole.longitude),
    }
    # Current memberships only; never the cooperators.
    assert data["member"] == [
        {"@type": "Organization", "name": "Animatrice de test"},
        {"@type": "Organization", "name": "Membre actuel de test"},
    ]
    assert data["sameAs"] == ["https://pole-essai.example.org/"]


def test_json_ld_cannot_close_its_script(client, pole):
    html = client.get("/poles/pole-essai/").content.decode()
    assert "Pôle </script><b>" not in html
    assert "\\u003C/script\\u003E" in html


def test_pole_page_has_open_graph_tags(client, pole):
    html = client.get("/poles/pole-essai/").content.decode()
    assert '<meta property="og:type" content="website">' in html
    assert '<meta property="og:title" content="Pôle &lt;/script&gt;&lt;b&gt;d&#x27;essai' in html
    assert (
        '<meta property="og:description" content="Un pôle synthétique pour tester les '
        'métadonnées.">' in html
    )
    assert '<meta property="og:url" content="http://testserver/poles/pole-essai/">' in html
    # No logo: the site's default share image, a real static file.
    assert '<meta property="og:image" content="http://testserver/static/img/share.png">' in html
    assert html.count('property="og:image"') == 1
    assert '<meta property="og:locale" content="fr_FR">' in html
    english = client.get("/poles/pole-essai/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<meta property="og:locale" content="en_GB">' in english


def test_pole_page_metadata_keep_private_data_out(client, pole):
    html = client.get("/poles/pole-essai/").content.decode()
    head = html.split("</head>")[0]
    for private in ("Personne Discrète-Testeuse", "discrete@example.org", "07 00 00 00 00"):
        assert private not in html
    assert "Ancien membre de test" not in head


def test_embed_and_data_pages_keep_private_data_out(client, pole):
    for url in ("/embed/", "/donnees/", "/statistiques/"):
        html = client.get(url).content.decode()
        assert "Personne Discrète-Testeuse" not in html
        assert "discrete@example.org" not in html
