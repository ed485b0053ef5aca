"""The legal notice, privacy, accessibility and contact pages: linked from every page,
in French and English, editable by national administrators only."""

import pytest

from editors.models import EditorProfile
from pages.models import Page
from territories.models import Region
from tests.factories import editor

pytestmark = pytest.mark.django_db

URLS = {
    "/mentions-legales/": ("Mentions légales", "Legal notice"),
    "/confidentialite/": ("Données personnelles et confidentialité", "Personal data and privacy"),
    "/accessibilite/": ("Accessibilité", "Accessibility"),
    "/contact/": ("Contact", "Contact"),
}


@pytest.mark.parametrize("url", URLS)
def test_each_page_in_french_and_english(client, url):
    french, english = URLS[url]
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{french}</h1>" in page
    assert "[à compléter par l&#x27;éditeur]" in page  # placeholders, no invented names
    client.cookies["django_language"] = "en"
    page = client.get(url).content.decode()
    assert f"<h1>{english}</h1>" in page
    assert "[to be completed by the publisher]" in page


def test_the_footer_of_every_page_links_to_them(client):
    for path in ("/", "/poles/", "/mentions-legales/", "/contribuer/"):
        page = client.get(path).content.decode()
        for url in URLS:
            assert f'href="{url}"' in page, (path, url)


def test_the_defaults_say_what_the_code_does():
    privacy = Page.objects.get(slug="confidentialite").body_fr
    assert "12 mois après la décision" in privacy
    accessibility = Page.objects.get(slug="accessibilite").body_fr
    assert "pas encore fait l'objet d'un audit" in accessibility
    assert "axe-core" in accessibility
    assert "partiellement conforme" in accessibility  # only to say it cannot claim it yet


def test_body_text_is_escaped_and_paragraphs_kept(client):
    page = Page.objects.get(slug="contact")
    page.body_fr = "Premier <b>paragraphe</b>.\n\nÉcrire à contact-test@example.org"
    page.save()
    html = client.get("/contact/").content.decode()
    assert "<p>Premier &lt;b&gt;paragraphe&lt;/b&gt;.</p>" in html
    assert 'href="mailto:contact-test@example.org"' in html


def test_only_national_administrators_edit_the_pages(client):
    page = Page.objects.get(slug="contact")
    url = f"/admin/pages/page/{page.pk}/change/"
    territorial = editor(EditorProfile.Role.TERRITORIAL, regions=[Region.objects.get(code="32")])
    client.force_login(territorial)
    response = client.post(
        url, {"title_fr": "Piraté", "body_fr": "x", "title_en": "x", "body_en": "x"}
    )
    assert response.status_code == 403
    page.refresh_from_db()
    assert page.title_fr == "Contact"

    client.force_login(editor(EditorProfile.Role.NATIONAL))
    response = client.post(
        url,
        {
            "title_fr": "Nous écrire",
            "body_fr": "Texte.",
            "title_en": "Write to us",
            "body_en": "Text.",
        },
    )
    assert response.status_code == 302
    assert "<h1>Nous écrire</h1>" in client.get("/contact/").content.decode()
