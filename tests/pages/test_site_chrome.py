"""The header and footer of every page: remembered once per language and menu item
(`{% remember %}`, poles/templatetags/ptce.py), yet right on every page."""

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PAGES = [
    ("/", None),
    ("/poles/", "directory"),
    ("/poles/?q=bray&page=1", "directory"),
    ("/territoires/", "territories"),
    ("/territoires/hauts-de-france/", "territories"),
    ("/secteurs/", "sectors"),
    ("/statistiques/", "statistics"),
    ("/poles/ptce-pays-de-bray/", None),
    ("/donnees/", None),
]
MENU = {
    "fr": {
        "directory": "Annuaire",
        "territories": "Territoires",
        "sectors": "Secteurs",
        "statistics": "Statistiques",
    },
    "en": {
        "directory": "Directory",
        "territories": "Territories",
        "sectors": "Sectors",
        "statistics": "Statistics",
    },
}


def chrome(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    menu = re.search(r'<ul class="nav">(.*?)</ul>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', menu)
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S).group(1)
    next_url = re.search(r'<input name="next" type="hidden" value="([^"]*)">', html).group(1)
    return links, footer, next_url


@pytest.mark.parametrize("first_language", ["fr", "en"])
def test_each_page_marks_its_own_menu_item_in_its_own_language(client, seeded, first_language):
    languages = [first_language, "en" if first_language == "fr" else "fr"]
    for language in languages:  # each page's header and footer once remembered, then again
        for url, section in PAGES:
            links, footer, next_url = chrome(client, url, language)
            assert [label for _href, _current, label in links] == list(MENU[language].values())
            current = [label for _href, flag, label in links if flag]
            assert current == ([MENU[language][section]] if section else []), url
            assert [href for href, _flag, _label in links] == [
                "/poles/",
                "/territoires/",
                "/secteurs/",
                "/statistiques/",
            ]
            # The language switch returns to this very page (not remembered).
            assert next_url == url.replace("&", "&amp;")
            privacy = "Confidentialité" if language == "fr" else "Privacy"
            assert f'<a href="/confidentialite/">{privacy}</a>' in footer


def test_an_edited_template_is_shown_without_a_restart(client, seeded):
    """Under runserver, Django's autoreloader reloads an edited template without
    restarting the process: the header and footer remembered from the old one go too."""
    from pathlib import Path

    from django.utils.autoreload import file_changed

    from poles.templatetags import ptce

    remembered, map_scripts = ptce._remembered, ptce._map_scripts_html  # noqa: SLF001 - the memories
    client.get("/")
    assert remembered and map_scripts
    file_changed.send(sender=None, file_path=Path(settings.BASE_DIR) / "views.py")
    assert remembered  # Python: the process restarts, nothing to forget here
    file_changed.send(sender=None, file_path=Path(settings.BASE_DIR) / "templates" / "base.html")
    assert not remembered and not map_scripts
