"""A pole's page: facts with their years and sources, members, and the consent rule."""

import datetime
import re
from decimal import Decimal

import pytest

from members.models import Cooperator
from tests.factories import CollegeFactory, CooperatorFactory, KeyFigureFactory, PoleFactory
from tests.pages_data import rich_pole
from tests.poles.test_pages import text

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
    # Key figures of 2014, formatted, with their source; one year draws no chart.
    assert re.search(r"4\D400\D000 €", page)
    assert '<th scope="row">2014' in html
    assert "145" in page and "35" in page
    assert "Le Labo de l'ESS, 28 mars 2014" in html.replace("&#x27;", "'")
    assert '<svg viewBox="0 0 320 150"' not in html
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


def test_pages_of_the_other_real_poles(client, seeded):
    # An unconfirmed status, shown as such, with the year of the latest dated source.
    response = client.get("/poles/recycl-occ-textile/")
    assert response.status_code == 200
    page = text(response)
    assert "Statut non confirmé" in page
    assert "Informations de 2023 (source datée la plus récente)." in page
    assert "Montpellier" in page
    assert "UNEA" in page
    assert "fiche à compléter" not in page
    # An active pole confirmed by a dated source.
    page = text(client.get("/poles/le-damier/"))
    assert "Actif (statut confirmé en 2025)" in page
    # A thin record: marked, on its page and on its card.
    response = client.get("/poles/distro/")
    assert response.status_code == 200
    page = text(response)
    assert "fiche à compléter" in page
    assert "Informations de 2025" in page
    assert "Bretagne" in page
    cards = client.get("/poles/", {"region": "53", "q": "Distro"}).content.decode()
    assert 'class="to-complete">fiche à compléter</span>' in cards
    bretagne = client.get("/territoires/bretagne/").content.decode()
    assert 'class="to-complete">fiche à compléter</span>' in bretagne
    # Undated sources say so.
    assert "Les sources ne sont pas datées." in text(client.get("/poles/ptce-haut-doubs/"))


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
    # 5, whatever the lists' length: the pole (with whether it has photos), its
    # many-to-many lists and sources (one UNION), its figures, a page of members with
    # their approvals, the cooperators and their colleges. No photo, no photos' query.
    with django_assert_max_num_queries(5):
        response = client.get(pole.get_absolute_url())
        page = text(response)
    assert page.count("Structure synthétique") == size
    assert f"Organisation synthétique 000-{size - 1:03d}" in page
    assert "Personne synthétique 000-000" in page  # consented
    assert "Personne synthétique 000-001" not in page  # did not
    assert "example.invalid" not in page


# --- Photos and logo -------------------------------------------------------------


def _photo(pole, index, **kwargs):
    """A photo row pointing at renditions (no file needed: the page only links them)."""
    from poles.models import PolePhoto

    values = {
        "pole": pole,
        "image": f"poles/photos/synthetic-{pole.pk}-{index}.jpg",
        "image_page": f"poles/photos/synthetic-{pole.pk}-{index}-1200.jpg",
        "image_popup": f"poles/photos/synthetic-{pole.pk}-{index}-320.jpg",
        "page_width": 1200,
        "page_height": 800,
        "alt_text": f"Photo synthétique {index:03d}",
        "position": index,
        **kwargs,
    }
    return PolePhoto.objects.create(**values)


def test_pole_page_shows_photos_and_logo_renditions(client, db, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from poles.images import set_pole_logo

    settings.MEDIA_ROOT = str(tmp_path / "media")
    pole = PoleFactory(name="Pôle synthétique photographié")
    buffer = io.BytesIO()
    Image.new("RGBA", (1000, 500), (0, 0, 0, 0)).save(buffer, "PNG")
    set_pole_logo(pole=pole, upload=SimpleUploadedFile("logo.png", buffer.getvalue(), "image/png"))
    pole.refresh_from_db()
    assert (pole.logo_small_width, pole.logo_small_height) == (160, 80)
    _photo(pole, 2, caption="Atelier synthétique", credit="© Synthétique, CC BY 4.0")
    _photo(pole, 1, page_width=300, page_height=200, image_popup="")
    html = client.get(pole.get_absolute_url()).content.decode()

    # The logo: its small rendition, with its size and a text alternative.
    logo = re.search(r'<img class="pole-logo"[^>]*>', html).group(0)
    assert f'src="{pole.logo_small.url}"' in logo
    assert 'width="160" height="80"' in logo
    assert 'Pôle synthétique photographié"' in logo and 'alt="Logo' in logo
    # The large rendition is only for Open Graph and JSON-LD, never shown in the page.
    assert f'src="{pole.logo.url}"' not in html

    # The photos, in their order, from the page rendition, lazy, with size and alt.
    images = re.findall(r'<img src="[^"]*poles/photos/[^>]*>', html)
    assert len(images) == 2
    first, second = images
    assert f"synthetic-{pole.pk}-1-1200.jpg" in first
    assert 'width="300" height="200"' in first and "srcset" not in first
    assert 'alt="Photo synthétique 001"' in first
    assert f"synthetic-{pole.pk}-2-1200.jpg" in second
    assert 'width="1200" height="800"' in second
    assert 'loading="lazy"' in first and 'loading="lazy"' in second
    assert f"synthetic-{pole.pk}-2-320.jpg 320w" in second
    assert "Atelier synthétique" in html and "© Synthétique, CC BY 4.0" in html
    assert f"synthetic-{pole.pk}-2.jpg" not in html  # never the stored original


def test_pole_page_without_photos_has_no_photo_section(client, db):
    pole = PoleFactory()
    html = client.get(pole.get_absolute_url()).content.decode()
    assert 'id="photos-title"' not in html
    assert "pole-logo" not in html


def test_the_photos_section_follows_the_first_photo_and_the_last(client, db):
    """Whether a pole has photos is read with the pole: the first photo added shows at
    once, and the section goes with the last one deleted."""
    pole = PoleFactory()
    photo = _photo(pole, 0)
    assert 'id="photos-title"' in client.get(pole.get_absolute_url()).content.decode()
    photo.delete()
    assert 'id="photos-title"' not in client.get(pole.get_absolute_url()).content.decode()


def test_photo_alt_text_is_escaped(client, db):
    pole = PoleFactory()
    _photo(pole, 0, alt_text='"><script>alert(1)</script>')
    html = client.get(pole.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert 'alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


@pytest.mark.parametrize("size", [2, 20])
def test_pole_page_photos_add_no_query_per_photo(client, django_assert_max_num_queries, size):
    pole = rich_pole(index=0, size=3)
    for index in range(size):
        _photo(pole, index)
    with django_assert_max_num_queries(6):
        html = client.get(pole.get_absolute_url()).content.decode()
    assert html.count('loading="lazy"') == size


def test_member_structures_are_listed_by_pages(client, db, django_assert_max_num_queries):
    """A pole with hundreds of members: its page renders one page of them, in the same
    number of queries, and says how many there are."""
    from poles.models import Membership, Structure
    from poles.selectors import MEMBERS_PAGE_SIZE

    pole = PoleFactory()
    structures = Structure.objects.bulk_create(
        Structure(name=f"Structure paginée {index:03d}", source="test")
        for index in range(MEMBERS_PAGE_SIZE + 5)
    )
    Membership.objects.bulk_create(
        Membership(pole=pole, structure=structure, role=Membership.Role.MEMBER, source="test")
        for structure in structures
    )
    url = pole.get_absolute_url()
    with django_assert_max_num_queries(5):
        first = text(client.get(url))
    assert f"{MEMBERS_PAGE_SIZE + 5} structures" in first
    assert "Structure paginée 000" in first
    assert f"Structure paginée {MEMBERS_PAGE_SIZE - 1:03d}" in first
    assert f"Structure paginée {MEMBERS_PAGE_SIZE:03d}" not in first
    second = client.get(url, {"page": "2"})
    assert second.context["member_page"].number == 2
    assert f"Structure paginée {MEMBERS_PAGE_SIZE + 4:03d}" in text(second)
    assert "Structure paginée 000" not in text(second)
    # A page beyond the last shows the last one with a message, never an error.
    beyond = client.get(url, {"page": "99"})
    assert beyond.status_code == 200
    assert beyond.context["member_page"].number == 2
    assert beyond.context["member_page_message"]
    assert client.get(url, {"page": "-1"}).context["member_page"].number == 1


# --- Rows rendered in Python (poles/templatetags/pole_page.py) ---------------------


def _member_row(html, name):
    """The members table's row of the structure named `name` (as written in the HTML)."""
    pattern = rf'<tr>\s*<th scope="row">(?:<a [^>]*>)?{re.escape(name)}.*?</tr>'
    return re.search(pattern, html, re.S).group(0)


def test_member_rows_show_each_structure_in_the_visitors_language(client, db):
    from decimal import Decimal

    from poles.models import Approval, HeadcountBand, LegalForm, Membership
    from tests.factories import MembershipFactory, StructureFactory

    pole = PoleFactory()
    full = StructureFactory(
        name="Coop <synthétique> & fils",
        website="https://example.org/?a=1&b=2",
        legal_form=LegalForm.objects.get(slug="scop"),
        headcount_band=HeadcountBand.objects.get(code="00"),
        etp=Decimal("12.5"),
        turnover=1_234_567,
        figures_year=2022,
    )
    full.approvals.set(Approval.objects.filter(slug__in=["ei", "aci"]))
    MembershipFactory(
        pole=pole,
        structure=full,
        role=Membership.Role.FOUNDER,
        joined_year=2010,
        left_year=2015,
    )
    bare = StructureFactory(name="Structure synthétique nue")
    MembershipFactory(pole=pole, structure=bare, role=Membership.Role.PARTNER, left_year=2019)
    joined = StructureFactory(name="Structure synthétique entrée")
    MembershipFactory(pole=pole, structure=joined, joined_year=2016)

    html = client.get(pole.get_absolute_url()).content.decode()
    row = _member_row(html, "Coop &lt;synthétique&gt; &amp; fils")
    assert '<a href="https://example.org/?a=1&amp;b=2" rel="noopener">' in row
    assert '<abbr title="Société coopérative et participative">SCOP</abbr>' in row
    # Approvals in their reference order, whatever the order they were given in.
    assert (
        '<abbr title="Atelier et chantier d&#x27;insertion">ACI</abbr>, '
        '<abbr title="Entreprise d&#x27;insertion">EI</abbr>'
    ) in row
    assert "<td>0 salarié</td>" in row
    assert '12,5 <span class="meta">(2022)</span>' in row
    assert re.search(r'1\D234\D567 € <span class="meta">\(2022\)</span>', row)
    assert "<td>Fondateur</td>" in row and "<td>2010–2015</td>" in row
    row = _member_row(html, "Structure synthétique nue")
    assert row.count("<td>—</td>") == 3  # legal form, approvals, headcount band
    assert row.count('<td class="num">—</td>') == 2  # ETP, turnover
    assert "<td>Partenaire</td>" in row and "<td>jusqu'en 2019</td>" in row
    assert "<td>depuis 2016</td>" in _member_row(html, "Structure synthétique entrée")

    html = client.get(pole.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = _member_row(html, "Coop &lt;synthétique&gt; &amp; fils")
    assert '<abbr title="Worker cooperative">SCOP</abbr>' in row
    assert '<abbr title="Integration workshop and worksite">ACI</abbr>' in row
    assert '12.5 <span class="meta">(2022)</span>' in row
    assert "1,234,567 € " in row and "<td>Founder</td>" in row
    row = _member_row(html, "Structure synthétique nue")
    assert "<td>Partner</td>" in row and "<td>until 2019</td>" in row


def test_key_figure_rows_and_chart_show_missing_and_approximate_values(client, db):
    from decimal import Decimal

    pole = PoleFactory()
    KeyFigureFactory(
        pole=pole,
        year=2021,
        etp=Decimal("12.5"),
        turnover=None,
        cooperators_count=7,
        source="",
        note="Note <synthétique>",
        is_approximate=True,
    )
    KeyFigureFactory(pole=pole, year=2020, etp=Decimal("8.0"), turnover=None, source="Rapport")
    html = client.get(pole.get_absolute_url()).content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\">20\d\d.*?</tr>", html, re.S)
    assert len(rows) == 2  # latest year first
    latest, earlier = rows
    assert '<th scope="row">2021 <span class="approx">(approximatif)</span></th>' in latest
    assert '<td class="num">12,5</td>' in latest and '<td class="num">7</td>' in latest
    assert latest.count('<td class="num">—</td>') == 2  # turnover, member structures
    assert '<td class="source">—<br><span class="meta">Note &lt;synthétique&gt;</span></td>' in (
        latest
    )
    assert '<td class="num">8</td>' in earlier and '<td class="source">Rapport</td>' in earlier
    # One chart (no turnover to draw), oldest year first, the approximate bar flagged.
    assert html.count("<svg viewBox=") == 1
    years = re.findall(r'class="chart__year">(\d+)</text>', html)
    assert years == ["2020", "2021"]
    assert 'class="chart__value">≈ 12,5</text>' in html
    assert 'class="chart__value">8</text>' in html


def test_cooperator_names_are_escaped(client, db):
    pole = PoleFactory()
    CooperatorFactory(pole=pole, name="Organisation <b>synthétique</b>")
    html = client.get(pole.get_absolute_url()).content.decode()
    assert "<li>Organisation &lt;b&gt;synthétique&lt;/b&gt;</li>" in html


def test_lists_of_the_aside_keep_their_order_links_and_language(client, db):
    """The eight many-to-many lists, read in one hand-written query
    (`selectors.POLE_LINKS_SQL`)."""
    from poles.models import Network, PoolingType, Recognition, Sector
    from territories.models import EPCI, Commune, Departement, Region

    pole = PoleFactory()
    pole.sectors.set(Sector.objects.filter(slug__in=["reemploi-dechets", "eco-construction"]))
    pole.pooling_types.set(PoolingType.objects.filter(slug__in=["locaux"]))
    pole.recognitions.set(Recognition.objects.filter(slug__in=["aap-2015", "aap-2013"]))
    pole.networks.set(Network.objects.filter(slug__in=["rtes"]))
    pole.territory_regions.set(Region.objects.filter(code__in=["32", "28"]))
    pole.territory_departements.set(Departement.objects.filter(code__in=["76", "27"]))
    epcis = list(EPCI.objects.order_by("name")[:2])
    pole.territory_epcis.set(epcis)
    communes = list(Commune.objects.filter(departement_id="60").order_by("name")[:2])
    pole.territory_communes.set(communes)

    html = client.get(pole.get_absolute_url()).content.decode()
    assert re.search(
        r'href="/secteurs/eco-construction/">Éco-construction</a>.*'
        r'href="/secteurs/reemploi-dechets/">Réemploi et déchets</a>',
        html,
        re.S,
    )
    assert "<dd>Locaux</dd>" in html
    assert re.search(
        r"PTCE 2013 \(annoncé en janvier 2014\)</li>.*PTCE 2015 \(annoncé en janvier 2016\)</li>",
        html,
        re.S,
    )
    assert "Réseau des collectivités territoriales" in html
    assert re.search(
        r'href="/territoires/hauts-de-france/">Hauts-de-France</a>, '
        r'<a href="/territoires/normandie/">Normandie</a>',
        html,
    )
    assert re.search(
        r'href="/territoires/normandie/eure/">Eure \(27\)</a>, '
        r'<a href="/territoires/normandie/seine-maritime/">Seine-Maritime \(76\)</a>',
        html,
    )
    assert f"<dd>{epcis[0].name}, {epcis[1].name}</dd>".replace("'", "&#x27;") in html
    assert f"{communes[0].name} ({communes[0].code}), {communes[1].name}" in html

    html = client.get(pole.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/secteurs/eco-construction/">Eco-construction</a>' in html
    assert "<dd>Premises</dd>" in html
    # The announcement's date in English, not a French "(janvier 2014)" mid-sentence.
    assert "2013 interministerial PTCE call (announced in January 2014)</li>" in html
    assert "janvier" not in html
    assert "RTES (local authorities&#x27; network for a solidarity economy)" in html


def test_etp_shows_up_to_two_decimals_without_trailing_zeros(client, db):
    """0.75 ETP (a three-quarter-time post) reads 0,75, not 0,8; 12.50 reads 12,5."""
    from poles.models import Membership, Structure

    pole = PoleFactory()
    KeyFigureFactory(pole=pole, year=2021, etp="0.75", turnover=None)
    KeyFigureFactory(pole=pole, year=2022, etp="12.50", turnover=None)
    structure = Structure.objects.create(
        name="Structure de test aux trois quarts", etp="2.25", figures_year=2022
    )
    Membership.objects.create(pole=pole, structure=structure)
    page = text(client.get(pole.get_absolute_url()))
    assert "0,75" in page
    assert "12,5" in page
    assert "12,50" not in page
    assert "2,25" in page


def test_the_colleges_table_counts_each_college_in_its_order(client, db):
    pole = PoleFactory()
    CollegeFactory(pole=pole, name="Usagers", vote_weight=Decimal("33.33"), position=2)
    founders = CollegeFactory(pole=pole, name="Fondateurs", vote_weight=50, position=1)
    CollegeFactory(pole=pole, name="Collectivités", vote_weight=Decimal("16.67"), position=2)
    # Colleges without any cooperator: not shown.
    assert "Colleges of the governing body" not in get_english(client, pole)
    CooperatorFactory(pole=pole, name="Organisation synthétique A", college=founders)
    CooperatorFactory(pole=pole, name="Organisation synthétique B", college=founders)
    CooperatorFactory(pole=pole, name="Organisation synthétique C")
    html = get_english(client, pole)
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="num">([^<]+)</td><td class="num">(\d+)</td>',
        html,
    )
    assert rows == [
        ("Fondateurs", "50 %", "2"),
        ("Collectivités", "16.67 %", "0"),
        ("Usagers", "33.33 %", "0"),
        ("Without a college", "—", "1"),
    ]


def get_english(client, pole) -> str:
    return client.get(pole.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
