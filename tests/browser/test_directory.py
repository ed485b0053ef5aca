"""The directory page in a browser: filters update list and map; keyboard only."""

import re

import pytest

from tests.seed_data import seed_names, seed_rows

from .helpers import expect_markers, wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

RESULTS = ".pole-results li.pole-card"


def test_choosing_a_sector_updates_the_list_and_the_map(page, site):
    page.goto("/poles/")
    wait_for_map(page)
    expect_markers(page, len(site.mapped_poles))
    assert page.locator(RESULTS).count() == min(20, len(seed_rows()))  # the first page
    culture = seed_names(sectors="culture-industries-creatives")
    seated = {
        row["name"]
        for row in seed_rows()
        if row.get("seat_commune") and "culture-industries-creatives" in row.get("sectors", [])
    }
    page.locator('input[name="secteur"][value="culture-industries-creatives"]').check()
    page.wait_for_function(
        f"() => document.querySelectorAll({RESULTS!r}).length === {len(culture)}"
        " && !document.querySelector('[data-directory-results]').hasAttribute('aria-busy')"
    )
    names = set(page.locator(f"{RESULTS} h3").all_inner_texts())
    assert names == culture
    assert {"Culture et Coopération", "La Coursive Boutaric"} <= names
    # The map follows the same filters (through /poles/carte.json?secteur=…).
    wait_for_map(page)
    expect_markers(page, len(seated))
    assert "secteur=culture-industries-creatives" in page.url


def focus_by_tabbing(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never received the focus by Tab")


def test_directory_is_usable_with_the_keyboard_alone(page):
    page.goto("/poles/")
    wait_for_map(page)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    focus_by_tabbing(page, 'input[name="secteur"][value="agriculture"]')
    page.keyboard.press("Space")
    assert page.locator('input[name="secteur"][value="agriculture"]').is_checked()
    focus_by_tabbing(page, "form[data-directory-form] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => location.search.includes('secteur=agriculture')"
        " && !document.querySelector('[data-directory-results]').hasAttribute('aria-busy')"
    )
    focus_by_tabbing(page, ".pole-results h3 a")
    name = page.evaluate("() => document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/poles/[a-z0-9-]+/$"))
    assert page.locator("h1").inner_text() == name
