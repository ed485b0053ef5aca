"""Home, sector pages, sitemap, robots and error pages: what a visitor sees."""

import datetime
import re

import pytest

from poles.models import Pole, Sector
from poles.selectors import HOME_RECENT_POLES
from tests.factories import PoleFactory
from tests.pages_data import rich_poles
from tests.seed_data import seed_names, seed_rows

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_shows_the_map_search_and_key_figures(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    published = Pole.objects.published().count()
    assert published == len(seed_rows())
    # The map, fed by the GeoJSON feed, with the list as its alternative.
    assert "data-ptce-map" in html
    assert 'data-feed-url="/poles/carte.json"' in html
    assert 'id="ptce-map-config"' in html
    # A bounded list of poles (the map and the entry points lead to all of them).
    assert 0 < len(re.findall(r'<li><a href="/poles/[^"/]+/">', html)) <= HOME_RECENT_POLES
    assert 'href="/poles/"' in html
    # Search goes to the directory with `q`.
    assert re.search(r'<form[^>]+action="/poles/"[^>]*method="get"', html)
    assert 'name="q"' in html
    # Key figures: counts by status, totals with their years, régions covered.
    assert f"{published} " in page
    assert 'href="/poles/?statut=ferme"' in html
    assert 'href="/poles/?statut=actif"' in html
    # The unconfirmed are counted apart from the active poles.
    assert 'href="/poles/?statut=a-confirmer"' in html
    assert "Statut non confirmé" in page
    # Totals of one same year only (tests/poles/test_honest_figures.py): Innovales'
    # 1.09 M€ in 2024, never the sum of the latest turnovers of 2013 to 2024.
    assert re.search(r"1\D090\D000 € chiffre d\S+affaires en 2024", page)
    # Entry points: régions and sectors with their counts.
    assert 'href="/territoires/hauts-de-france/"' in html
    assert 'href="/secteurs/insertion-emploi/"' in html


def test_home_counts_only_published_poles(client, seeded):
    PoleFactory(name="Pôle synthétique non publié", is_published=False)
    response = client.get("/")
    assert "Pôle synthétique non publié" not in response.content.decode()
    assert response.context["pole_count"] == len(seed_rows())


def test_home_figures_say_which_years_they_sum(client, db):
    rich_poles(2, size=2)  # latest figures of each: 2023
    response = client.get("/")
    figures = response.context["figures"]
    assert figures["etp"].pole_count == 2
    assert figures["etp"].total == 20  # 10 ETP in 2023 for each pole
    assert figures["etp"].years == "2023"
    assert figures["turnover"].total == 200_000
    assert response.context["regions_covered"] == 2  # Hauts-de-France, Normandie (action)


def test_base_layout_is_accessible(client, seeded):
    html = client.get("/").content.decode()
    assert re.search(r'<html lang="(fr|en)">', html)
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert 'href="/poles/"' in html and 'href="/territoires/"' in html
    assert 'href="/secteurs/"' in html
    assert '<link rel="canonical" href="http://testserver/">' in html
    assert "<title>" in html and '<meta name="description" content="' in html
    # The language switch: a button for English, named in English.
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in html


def test_pages_load_no_third_party_script_or_style(client, seeded):
    for url in ("/", "/poles/ptce-pays-de-bray/", "/territoires/hauts-de-france/"):
        html = client.get(url).content.decode()
        for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
            # (A fragment loads nothing: rel="expect" names the map's element.)
            assert src.startswith(("/", "http://testserver/", "#")), (url, src)


def test_sector_index_counts_published_poles(client, seeded):
    PoleFactory(sectors=[Sector.objects.get(slug="insertion-emploi")], is_published=False)
    response = client.get("/secteurs/")
    assert response.status_code == 200
    sectors = {sector.slug: sector.pole_count for sector in response.context["sectors"]}
    for slug in ("insertion-emploi", "alimentation-circuits-courts", "logement", "sante-soin"):
        assert sectors[slug] == len(seed_names(sectors=slug)), slug
    assert sectors["insertion-emploi"] > 7
    assert sectors["sante-soin"] == 0
    assert 'href="/secteurs/insertion-emploi/"' in response.content.decode()


def test_sector_page_lists_its_poles_with_a_filtered_map(client, seeded):
    response = client.get("/secteurs/alimentation-circuits-courts/")
    assert response.status_code == 200
    html = response.content.decode()
    names = {pole["name"] for pole in response.context["poles"]}
    assert names == seed_names(sectors="alimentation-circuits-courts")
    assert {"Bou'Sol", "FigeACteurs", "Resto Passerelle", "Innovales", "La Bio pour tous"} <= names
    assert "Bou'Sol" in html.replace("&#x27;", "'")
    assert 'data-feed-url="/poles/carte.json?secteur=alimentation-circuits-courts"' in html
    assert "PTCE du Pays de Bray" not in html


def test_unknown_sector_gets_the_styled_404(client, db):
    response = client.get("/secteurs/inconnu/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="error-page"' in html
    assert 'class="skip-link"' in html


def test_sitemap_lists_public_pages_only(client, seeded):
    PoleFactory(slug="pole-synthetique-cache", is_published=False)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    for path in (
        "/",
        "/poles/",
        "/territoires/",
        "/secteurs/",
        "/poles/ptce-pays-de-bray/",
        "/territoires/hauts-de-france/",
        "/territoires/hauts-de-france/oise/",
        "/secteurs/insertion-emploi/",
        "/statistiques/",
        "/donnees/",
    ):
        assert f"<loc>http://testserver{path}</loc>" in xml
    assert "pole-synthetique-cache" not in xml


def test_sitemap_dates_pages_by_their_poles_last_update(client, db, django_assert_max_num_queries):

    sector = Sector.objects.get(slug="mobilite")
    pole = PoleFactory(sectors=[sector])
    PoleFactory(sectors=[Sector.objects.get(slug="agriculture")], is_published=False)
    when = datetime.datetime(2024, 5, 6, 7, 8, tzinfo=datetime.UTC)
    Pole.objects.filter(pk=pole.pk).update(updated_at=when)
    with django_assert_max_num_queries(10):
        xml = client.get("/sitemap.xml").content.decode()

    def lastmod(path):
        match = re.search(
            rf"<loc>http://testserver{re.escape(path)}</loc>(?:<lastmod>([^<]+)</lastmod>)?", xml
        )
        assert match, path
        return match.group(1)

    for path in ("/", "/poles/", "/statistiques/", "/donnees/", "/secteurs/mobilite/"):
        assert lastmod(path) == "2024-05-06"
    assert lastmod(pole.get_absolute_url()) == "2024-05-06"
    assert lastmod("/secteurs/agriculture/") is None  # no published pole: no date


def test_robots_txt_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


@pytest.mark.parametrize("url", ["/nulle-part/", "/poles/inconnu/", "/territoires/inconnue/"])
def test_unknown_pages_get_the_styled_404(client, db, url):
    response = client.get(url)
    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()


def test_500_template_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "error-page" in html


@pytest.mark.parametrize("count", [3, 30])
def test_home_queries_are_constant(client, django_assert_max_num_queries, count):
    rich_poles(count, size=3)
    # 8, and 7 once per data version for the map's first screen (its poles' positions
    # and sectors, the reference lists of the directory's filters, the data version):
    # poles/selectors.py, map_first_screen_poles.
    with django_assert_max_num_queries(8 + 7):
        response = client.get("/")
        page = text(response)
    assert "Pôle synthétique" in page
    assert response.context["pole_count"] == count


def test_home_stays_bounded_whatever_the_number_of_poles(client, db):
    """The home page lists the most recently updated poles, never all of them: its key
    figures count every published pole and its map is fed by /poles.geojson."""
    rich_poles(HOME_RECENT_POLES + 4, size=1)
    latest = Pole.objects.order_by("pk").first()
    latest.name = "Pôle mis à jour en dernier"
    latest.save()  # the most recent update
    response = client.get("/")
    html = response.content.decode()
    listed = re.findall(r'<li><a href="/poles/[^"/]+/">([^<]+)</a>', html)
    assert len(listed) == HOME_RECENT_POLES
    assert listed[0] == "Pôle mis à jour en dernier"
    assert response.context["pole_count"] == HOME_RECENT_POLES + 4
    assert 'data-feed-url="/poles/carte.json"' in html


@pytest.mark.parametrize("count", [3, 30])
def test_sector_page_queries_are_constant(client, django_assert_max_num_queries, count):
    rich_poles(count, size=3)
    sector = Sector.objects.order_by("position").first()
    with django_assert_max_num_queries(5):
        response = client.get(f"/secteurs/{sector.slug}/")
        page = text(response)
    assert page.count("Pôle synthétique") >= count
    assert len(response.context["poles"]) == count


def test_pages_vary_on_the_language_cookie(client, seeded):
    """The language comes from a cookie: HTTP caches must keep the two apart."""
    vary = {value.strip().lower() for value in client.get("/poles/")["Vary"].split(",")}
    assert {"cookie", "accept-language"} <= vary


def test_too_many_parameters_get_a_styled_400_page(client, db):
    query = "&".join(f"x{index}=1" for index in range(1500))
    response = client.get(f"/poles/?{query}")
    assert response.status_code == 400
    content = response.content.decode()
    assert '<html lang="fr">' in content
    assert "Requête incorrecte" in content or "Bad request" in content
    assert 'href="/poles/"' in content or 'action="/poles/"' in content


def test_each_page_of_a_list_is_its_own_canonical_page(client, db):
    PoleFactory.create_batch(25)
    second = client.get("/poles/?page=2&tri=-maj").content.decode()
    assert '<link rel="canonical" href="http://testserver/poles/?page=2">' in second
    first = client.get("/poles/?page=1").content.decode()
    assert '<link rel="canonical" href="http://testserver/poles/">' in first
    # Digits of other scripts are not page numbers.
    other = client.get("/poles/?page=%D9%A3").content.decode()
    assert '<link rel="canonical" href="http://testserver/poles/">' in other
    assert "This page number is not valid" in other or "numéro de page" in other
