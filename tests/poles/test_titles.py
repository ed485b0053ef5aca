"""Page titles and the interface language (French by default, English on request)."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation


def _render(source: str, language: str, **context) -> str:
    request = RequestFactory().get("/")
    with translation.override(language):
        return Template(source).render(Context({"request": request, **context}))


@pytest.mark.parametrize(
    ("language", "site"), [("fr", "Annuaire des PTCE"), ("en", "PTCE directory")]
)
def test_a_page_without_a_title_gets_the_bare_site_name(db, language, site):
    html = _render('{% extends "base.html" %}', language)
    assert f"<title>{site}</title>" in html


def test_a_page_title_is_followed_by_the_site_name_once(db):
    html = _render(
        '{% extends "base.html" %}{% block title %}\n  {{ name }}\n{% endblock %}',
        "fr",
        name="Bou'Sol & <Cie>",
    )
    assert "<title>Bou&#x27;Sol &amp; &lt;Cie&gt; · Annuaire des PTCE</title>" in html


def test_the_site_name_is_never_repeated_in_a_title(client, db):
    for path in ("/", "/poles/", "/statistiques/", "/donnees/", "/territoires/", "/secteurs/"):
        html = client.get(path).content.decode()
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert title.count("Annuaire des PTCE") == 1, (path, title)
        assert title.endswith(" · Annuaire des PTCE"), (path, title)


@pytest.mark.parametrize(
    ("accept", "expected", "absent"),
    [
        ("fr", "Données ouvertes · Annuaire des PTCE", "Open data"),
        ("en", "Open data · PTCE directory", "Données ouvertes"),
    ],
)
def test_the_open_data_page_speaks_the_requested_language(client, db, accept, expected, absent):
    html = client.get("/donnees/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert f"<title>{expected}</title>" in html
    assert absent not in html
