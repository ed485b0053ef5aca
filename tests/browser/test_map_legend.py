"""What the maps' markers mean: the legend, the sector colours and letters, the closed
poles (hidden by default, said so), the popups, the zone buttons and Leaflet's own words
in the page's language; the page header on a phone; axe-core on the legend."""

import pytest

from poles.models import Pole

from .helpers import expect_markers, wait_for_map
from .test_accessibility import BLOCKING, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

STATUS = "[data-ptce-map] ~ .map-status"
LEGEND = "[data-ptce-map] ~ .ptce-legend"


def in_english(page, site):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site.url}])


def legend_entries(page) -> list[dict]:
    return page.evaluate(
        """(selector) => Array.from(
             document.querySelectorAll(
               selector + " .ptce-legend__list:not(.ptce-legend__list--shapes) li"
             )
           ).map((item) => {
             const badge = item.querySelector(".ptce-legend__badge");
             return {
               name: item.querySelector(".ptce-legend__name").textContent,
               letters: badge.textContent,
               fill: getComputedStyle(badge).backgroundColor,
               ink: getComputedStyle(badge).color,
             };
           })""",
        LEGEND,
    )


def test_the_home_map_has_a_legend_of_colours_and_letters(page, site):
    page.goto("/")
    wait_for_map(page)
    expect_markers(page, len(site.mapped_poles))
    legend = page.locator(LEGEND)
    assert legend.is_visible()
    assert "Légende" in legend.inner_text()
    entries = legend_entries(page)
    names = [entry["name"] for entry in entries]
    assert {"Insertion et emploi", "Alimentation et circuits courts"} <= set(names)
    # Each sector of the legend has its own colour-and-letters pair: the letters tell
    # apart the sectors that share a colour (Paul Tol's "muted" palette has 9).
    pairs = {(entry["fill"], entry["letters"]) for entry in entries}
    assert len(pairs) == len(entries)
    assert all(entry["letters"] for entry in entries)
    # The markers carry the same letters as the legend.
    letters = set(page.locator("[data-ptce-map] .ptce-marker__dot").all_inner_texts())
    assert letters and letters <= {entry["letters"] for entry in entries}
    # Leaflet's buttons speak French.
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoom avant"
    assert page.locator(".leaflet-control-zoom-out").get_attribute("aria-label") == "Zoom arrière"


def test_closed_poles_are_hidden_by_default_and_the_page_says_so(page, site):
    (closed_name,) = site.closed_located_poles.values()
    page.goto("/")
    wait_for_map(page)
    expect_markers(page, len(site.mapped_poles))
    status = page.locator(STATUS).inner_text()
    assert "1 pôle fermé n'est pas dessiné." in status
    # The home page has no list: a link to it.
    assert page.locator(f"{STATUS} a", has_text="Voir la liste des pôles").count() == 1
    toggle = page.get_by_label("Afficher les pôles fermés (1)")
    assert not toggle.is_checked()
    toggle.check()
    expect_markers(page, len(site.mapped_poles) + 1)
    # A closed pole is a grey square, its title says it is closed.
    page.evaluate(
        """(name) => new Promise((resolve) => {
          const map = document.querySelector("[data-ptce-map]").ptceMap;
          const marker = map.markers.find((m) => m.options.title.startsWith(name));
          map.cluster.zoomToShowLayer(marker, resolve);
        })""",
        closed_name,
    )
    marker = page.locator(f'.leaflet-marker-icon[title="{closed_name} (Fermé)"]')
    marker.wait_for()
    assert marker.locator(".ptce-marker__dot--ferme").count() == 1
    assert "Fermé" in page.locator(f"{LEGEND} .ptce-legend__list--shapes").inner_text()


def test_the_directory_says_its_list_holds_the_closed_poles(page, site):
    page.goto("/poles/")
    wait_for_map(page)
    status = page.locator(STATUS).inner_text()
    assert "1 pôle fermé n'est pas dessiné : il figure dans la liste." in status
    assert page.locator(f"{STATUS} a").count() == 0  # the list is right there
    assert Pole.objects.published().filter(status=Pole.Status.CLOSED).count() == 1


def test_a_closed_pole_asked_for_is_drawn_and_its_popup_explains_the_marker(page, site):
    (slug,) = site.closed_located_poles
    pole = Pole.objects.select_related("main_sector").get(slug=slug)
    page.goto("/poles/?statut=ferme")
    wait_for_map(page)
    expect_markers(page, 1)
    assert page.locator(f"{LEGEND} .ptce-legend__closed").is_hidden()
    page.locator(".leaflet-marker-icon.ptce-marker").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Statut : Fermé" in text
    assert f"Secteur principal (couleur du marqueur) : {pole.main_sector.name}" in text
    close = page.locator(".leaflet-popup-close-button")
    assert close.get_attribute("aria-label") == "Fermer cette fenêtre"


def test_an_active_pole_popup_names_its_status_and_sector(page, site):
    page.goto("/poles/?q=Innovales")
    wait_for_map(page)
    expect_markers(page, 1)
    page.locator(".leaflet-marker-icon.ptce-marker").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Statut : Actif" in text
    # Innovales, in food too, is marked by its main sector, and the popup says so.
    assert "Secteur principal (couleur du marqueur) : Éco-construction" in text
    assert "Autres secteurs : Alimentation et circuits courts, Agriculture" in text
    badge = page.locator(".leaflet-marker-icon.ptce-marker .ptce-marker__dot")
    assert badge.inner_text() == "Éc"


def test_zone_buttons_only_where_the_map_has_poles(page, site):
    page.goto("/territoires/hauts-de-france/oise/")
    wait_for_map(page)
    assert page.locator(".map-zones").is_hidden()
    assert page.get_by_role("button", name="Mayotte").count() == 0
    page.goto("/")
    wait_for_map(page)
    assert page.get_by_role("button", name="La Réunion").is_visible()
    assert page.get_by_role("button", name="Mayotte").count() == 0


def test_the_map_speaks_english_on_english_pages(page, site):
    in_english(page, site)
    page.goto("/")
    wait_for_map(page)
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoom in"
    assert "Legend" in page.locator(LEGEND).inner_text()
    names = {entry["name"] for entry in legend_entries(page)}
    assert "Insertion and employment" in names
    assert "1 closed pole is not drawn." in page.locator(STATUS).inner_text()


def test_public_pages_load_only_the_scripts_they_use(page, site):
    scripts = []
    page.on("request", lambda request: scripts.append(request.url))
    page.goto("/poles/")
    wait_for_map(page)
    loaded = [url for url in scripts if url.endswith(".js")]
    assert not [url for url in loaded if "draw" in url or "leaflet.extras" in url], loaded
    assert page.locator("#force-img-path, script#with-forms").count() == 0


@pytest.mark.parametrize("width", [320, 360, 414])
def test_the_header_takes_two_lines_on_a_phone(page, site, width):
    page.set_viewport_size({"width": width, "height": 740})
    for language in ("fr", "en"):
        if language == "en":
            in_english(page, site)
        page.goto("/poles/")
        tops = page.evaluate(
            """() => {
              const top = (selector) => Math.round(
                document.querySelector(selector).getBoundingClientRect().top
              );
              const items = Array.from(document.querySelectorAll(".site-header .nav li"));
              return {
                brand: top(".site-header .brand"),
                language: top(".site-header .language-switch"),
                nav: Array.from(
                  new Set(items.map((item) => Math.round(item.getBoundingClientRect().top)))
                ),
                height: document.querySelector(".site-header").getBoundingClientRect().height,
                overflow: document.querySelector(".site-header .nav").scrollWidth
                  - document.querySelector(".site-header .nav").clientWidth,
              };
            }"""
        )
        # Brand and language on the first line, the menu on one more line.
        assert abs(tops["brand"] - tops["language"]) < 12, tops
        assert len(tops["nav"]) == 1, tops
        assert tops["height"] < 100, tops
        assert tops["overflow"] <= 0, tops  # every menu item in view


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("path", ["/", "/poles/?statut=ferme", "/territoires/"])
def test_the_legend_and_greyed_territories_pass_axe(page, site, axe_source, language, path):
    if language == "en":
        in_english(page, site)
    page.goto(path)
    if page.locator("[data-ptce-map][data-feed-url]").count():
        wait_for_map(page)
        page.locator(LEGEND).wait_for()
        if page.locator(".leaflet-marker-icon.ptce-marker").count():
            # With a popup open: its marker badge and status lines are scanned too.
            page.locator(".leaflet-marker-icon.ptce-marker").first.click()
            page.locator(".leaflet-popup-content").wait_for()
            # Leaflet fades a popup in: scanned mid-fade, its text reads as low contrast.
            page.wait_for_function(
                "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
            )
    page.evaluate(axe_source.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


def test_the_embedded_map_links_its_status_to_the_directory_in_a_new_tab(page, site):
    page.goto("/embed/?region=32")
    wait_for_map(page)
    status = page.locator(STATUS).inner_text()
    assert "1 pôle fermé n'est pas dessiné." in status
    assert "seulement dans la liste" not in status  # there is no list in the frame
    link = page.locator(f"{STATUS} a")
    assert link.get_attribute("href") == f"{site.url}/poles/?region=32"
    assert link.get_attribute("target") == "_blank"
    # The legend is there, folded: the frame's room goes to the map.
    assert page.locator(f"{LEGEND} details").evaluate("(details) => details.open") is False
