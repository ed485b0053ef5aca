"""A pole's page: facts with their years and sources, members, and the consent rule."""

import datetime
import re

import pytest

from members.models import Cooperator
from tests.factories import CollegeFactory, CooperatorFactory, KeyFigureFactory, PoleFactory
from tests.pages_data import rich_pole
from tests.test_pages import text

pytestmark = pytest.mark.django_db


def test_seed_pole_page_shows_its_facts_with_years_and_sources(client, seeded):
    response = client.get("/poles/ptce-pays-de-bray/")
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    assert "<h1>PTCE du Pays de Bray</h1>" in html
    assert "Lachapelle-aux-Pots" in page
    assert "2019" in page  # status confirmed in 2019
    # Development axes, one per line.
    assert "<li>Éco-activités : formation aux métiers verts" in html
    # Key figures of 2014, formatted, with their source and a chart.
    assert re.search(r"4\D400\D000 €", page)
    assert '<th scope="row">2014' in html
    assert "145" in page and "35" in page
    assert "Le Labo de l'ESS, 28 mars 2014" in html.replace("&#x27;", "'")
    assert '<svg viewBox="0 0 320 150"' in html
    # Territory of action across three départements, with links.
    assert 'href="/territoires/normandie/eure/"' in html
    assert "Seine-Maritime (76)" in page
    # Sectors, recognitions, networks.
    assert 'href="/secteurs/insertion-emploi/"' in html
    assert "2013" in page
    assert "Renouveau productif" in page
    # Member structure and cooperators (organisations are named).
    assert "Maison d'Économie Solidaire du Pays de Bray" in html.replace("&#x27;", "'")
    assert "Institut Godin" in page
    # Sources of the facts and the last update.
    assert 'href="https://lelabo-ess.org/au-sein-du-ptce-du-pays-de-bray' in html
    assert "<time datetime=" in html
    # The seat on a small map (single point), no GeoJSON feed needed.
    assert re.search(r'data-ptce-map[^>]+data-lat="49\.\d+" data-lng="1\.\d+"', html)


def test_chart_coordinates_are_not_localised(client, db):
    pole = PoleFactory()
    KeyFigureFactory(pole=pole, year=2021, etp="12.5", turnover=1_234_567)
    KeyFigureFactory(pole=pole, year=2022, etp="7.5", turnover=None, is_approximate=True)
    response = client.get(pole.get_absolute_url())
    html = response.content.decode()
    for value in re.findall(r'<rect x="([^"]+)" y="([^"]+)" width="([^"]+)"', html):
        for number in value:
            float(number)  # "12,5" would break the SVG
    assert html.count('class="approx"') == 1  # 2022 is flagged as approximate
    assert "chart__bar--approx" in html


def test_person_without_consent_is_counted_but_never_named(client, db):
    pole = PoleFactory()
    college = CollegeFactory(pole=pole, name="Collège des salariés synthétique", vote_weight=50)
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name="Camille Synthétique-Secrète",
        email="camille.secrete@example.invalid",
        phone="06 12 34 56 78",
        postal_address="1 rue Synthétique, 60000 Nulle-Part",
        college=college,
    )
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name="Dominique Synthétique-Publique",
        email="dominique@example.invalid",
        phone="07 98 76 54 32",
        consents_to_publication=True,
        consent_recorded_on=datetime.date(2024, 3, 1),
        college=college,
    )
    CooperatorFactory(pole=pole, name="Organisation synthétique coopératrice")
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name="Ancien Synthétique",
        left_on=datetime.date(2020, 1, 1),
    )
    response = client.get(pole.get_absolute_url())
    html = response.content.decode()
    assert "Camille Synthétique-Secrète" not in html
    assert "camille.secrete@example.invalid" not in html
    assert "06 12 34 56 78" not in html
    assert "rue Synthétique" not in html
    # Named with consent, but contact details stay private.
    assert "Dominique Synthétique-Publique" in html
    assert "dominique@example.invalid" not in html
    assert "07 98 76 54 32" not in html
    assert "Organisation synthétique coopératrice" in html
    assert "Ancien Synthétique" not in html  # left: not a current cooperator
    summary = response.context["cooperators"]
    assert summary.total == 3
    assert summary.person_count == 2
    assert summary.unnamed_person_count == 1
    assert summary.colleges[0]["count"] == 2
    assert "Collège des salariés synthétique" in text(response)


def test_member_structures_show_figures_with_their_year(client, db):
    pole = rich_pole(index=1, size=2)
    response = client.get(pole.get_absolute_url())
    page = text(response)
    html = response.content.decode()
    assert "Structure synthétique 001-000" in page
    assert "12,5 (2022)" in page or "12.5 (2022)" in page
    assert re.search(r"250\D000 € \(2022\)", page)
    assert "<abbr title=" in html  # legal form and approvals, abbreviated
    assert "2016" in page  # year joined


def test_unpublished_pole_is_not_found(client, db):
    pole = PoleFactory(is_published=False)
    response = client.get(pole.get_absolute_url())
    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()


def test_pole_page_has_title_description_and_canonical(client, db):
    pole = PoleFactory(name="Pôle synthétique titré", summary="Résumé synthétique.")
    html = client.get(pole.get_absolute_url() + "?utm=x").content.decode()
    assert "<title>Pôle synthétique titré · " in html
    assert '<meta name="description" content="Résumé synthétique.">' in html
    assert f'<link rel="canonical" href="http://testserver{pole.get_absolute_url()}">' in html


@pytest.mark.parametrize("size", [3, 30])
def test_pole_page_queries_are_constant(client, django_assert_max_num_queries, size):
    pole = rich_pole(index=0, size=size)
    with django_assert_max_num_queries(15):
        response = client.get(pole.get_absolute_url())
        page = text(response)
    assert page.count("Structure synthétique") == size
    assert f"Organisation synthétique 000-{size - 1:03d}" in page
    assert "Personne synthétique 000-000" in page  # consented
    assert "Personne synthétique 000-001" not in page  # did not
    assert "example.invalid" not in page
