"""The place field in a browser (issue 17): an accessible combobox (WAI-ARIA 1.2:
arrows, Enter, Escape, the number of suggestions announced), "Around me" with the
browser's geolocation, and the same field without JavaScript."""

import re

import pytest

from .helpers import wait_for_map
from .test_accessibility import BLOCKING, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

FIELD = "#id_lieu"
LISTBOX = "#id_lieu-listbox"
RESULTS = ".pole-results li.pole-card"
BRAY = "PTCE du Pays de Bray"


def results_settled(page):
    page.wait_for_function(
        "() => !document.querySelector('[data-directory-results]').hasAttribute('aria-busy')"
    )


def open_suggestions(page, text: str):
    page.locator(FIELD).fill("")
    page.locator(FIELD).press_sequentially(text, delay=30)
    page.wait_for_selector(f"{LISTBOX} [role=option]", state="visible")


def test_the_combobox_with_the_keyboard(page):
    page.goto("/poles/")
    wait_for_map(page)
    field = page.locator(FIELD)
    assert field.get_attribute("role") == "combobox"
    assert field.get_attribute("aria-expanded") == "false"
    assert field.get_attribute("aria-controls") == "id_lieu-listbox"
    assert field.get_attribute("aria-autocomplete") == "list"

    open_suggestions(page, "beauv")
    assert field.get_attribute("aria-expanded") == "true"
    options = page.locator(f"{LISTBOX} [role=option]")
    assert options.count() >= 3
    assert options.first.inner_text().startswith("Beauvais (60)")
    # The number of suggestions is announced (in French: the page's language).
    status = page.locator(".place-combobox [role=status]")
    assert re.fullmatch(
        r"\d+ lieux proposés : utilisez les flèches du clavier\.", status.inner_text()
    )

    # Arrows move the active option (wrapping at the ends), Enter chooses it.
    field.press("ArrowDown")
    first_id = options.first.get_attribute("id")
    assert field.get_attribute("aria-activedescendant") == first_id
    assert options.first.get_attribute("aria-selected") == "true"
    field.press("ArrowUp")
    assert field.get_attribute("aria-activedescendant") == options.last.get_attribute("id")
    field.press("ArrowDown")
    assert field.get_attribute("aria-activedescendant") == first_id
    field.press("Enter")
    assert field.input_value() == "Beauvais (60)"
    assert field.get_attribute("aria-expanded") == "false"
    assert not page.locator(LISTBOX).is_visible()
    # Choosing refreshed the results (directory.js), for the poles acting on Beauvais.
    page.wait_for_function("() => location.search.includes('lieu=Beauvais')")
    results_settled(page)
    names = page.locator(f"{RESULTS} h3").all_inner_texts()
    assert BRAY in names
    assert "Beauvais (60)" in page.locator("[data-place-notice]").inner_text()

    # Escape closes the list; a second Escape clears the field.
    field.fill("")
    open_suggestions(page, "60220")
    assert page.locator(f"{LISTBOX} [role=option]").first.inner_text().startswith("60220")
    field.press("Escape")
    assert not page.locator(LISTBOX).is_visible()
    assert field.input_value() == "60220"
    field.press("Escape")
    assert field.input_value() == ""


def test_a_suggestion_chosen_with_the_mouse(page):
    page.goto("/poles/")
    wait_for_map(page)
    open_suggestions(page, "hauts de fr")
    page.locator(f"{LISTBOX} [role=option]", has_text="Hauts-de-France").click()
    assert page.locator(FIELD).input_value() == "Hauts-de-France"
    page.wait_for_function("() => location.search.includes('lieu=Hauts-de-France')")
    results_settled(page)
    assert BRAY in page.locator(f"{RESULTS} h3").all_inner_texts()


@pytest.mark.parametrize("language", ["fr-FR", "en-GB"])
def test_no_accessibility_violation_with_the_suggestions_open(
    browser, site, network, axe_source, language
):
    context = browser.new_context(base_url=site.url, locale=language)
    context.set_default_timeout(20_000)
    context.route("**/*", network.handle)
    page = context.new_page()
    try:
        page.goto("/poles/?lieu=Saint-Denis")  # the choices of an ambiguous name too
        wait_for_map(page)
        open_suggestions(page, "saint d")
        page.locator(FIELD).press("ArrowDown")
        page.evaluate(axe_source.read_text(encoding="utf-8"))
        results = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
        assert not blocking, describe(blocking)
    finally:
        context.close()
    assert not network.blocked, network.blocked


def test_around_me_sorts_by_distance_from_the_browser_position(browser, site, network):
    """The position is asked for on click only, rounded before it leaves the browser."""
    context = browser.new_context(
        base_url=site.url,
        locale="fr-FR",
        geolocation={"latitude": 49.436123, "longitude": 2.086134},  # Beauvais
        permissions=["geolocation"],
    )
    context.set_default_timeout(20_000)
    context.route("**/*", network.handle)
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto("/poles/")
        wait_for_map(page)
        assert not any("autour=" in url for url in requests)
        page.get_by_role("button", name="Autour de moi").click()
        page.wait_for_function("() => location.search.includes('autour=')")
        results_settled(page)
        assert "autour=49.44%2C2.09" in page.url
        assert "tri=distance" in page.url
        # No request ever carried a finer position.
        assert not any(re.search(r"autour=[^&]*\d\.\d{3}", url) for url in requests)
        first = page.locator(RESULTS).first
        assert re.search(r"à \d+(,\d)? km", first.inner_text())
        assert (
            "Triés par distance depuis votre position"
            in page.locator("[data-position-notice]").inner_text()
        )
        distances = [
            float(value)
            for value in page.locator("[data-distance-km]").evaluate_all(
                "(nodes) => nodes.map((node) => node.dataset.distanceKm)"
            )
        ]
        assert distances and distances == sorted(distances)
    finally:
        context.close()
    assert not network.blocked, network.blocked


def open_filters(page):
    """Without JavaScript the filter panel (a <details>) starts closed on every page."""
    panel = page.locator("details[data-filters-panel]")
    if not panel.evaluate("(details) => details.open"):
        panel.locator("summary").first.click()


def test_the_place_field_without_javascript(browser, site, network):
    context = browser.new_context(base_url=site.url, locale="fr-FR", java_script_enabled=False)
    context.route("**/*", network.handle)
    page = context.new_page()
    try:
        page.goto("/poles/")
        open_filters(page)
        page.locator(FIELD).fill("Saint-Denis")
        page.locator("form[data-directory-form] button[type=submit]").click()
        page.wait_for_load_state()
        choices = page.locator("[data-place-choices] a")
        labels = choices.all_inner_texts()
        assert {"Saint-Denis (93)", "Saint-Denis (974)"} <= set(labels)
        choices.filter(has_text="Saint-Denis (93)").first.click()
        page.wait_for_load_state()
        assert page.locator(FIELD).input_value() == "Saint-Denis (93)"
        assert "Saint-Denis (93)" in page.locator("[data-place-notice]").inner_text()
        assert page.locator(RESULTS).count() >= 1
        # A typed postal code resolves to its communes and names them.
        open_filters(page)
        page.locator(FIELD).fill("60000")
        page.locator("form[data-directory-form] button[type=submit]").click()
        page.wait_for_load_state()
        assert "Code postal 60000" in page.locator("[data-place-notice]").inner_text()
        assert BRAY in page.locator(f"{RESULTS} h3").all_inner_texts()
    finally:
        context.close()
    assert not network.blocked, network.blocked
