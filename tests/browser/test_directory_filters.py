"""Filtering the directory as a visitor would, on a phone and on a laptop (issue 17):
the language switch keeps the live filters, Back and Forward step through them, the
filter panel, the chips, the département list that follows the région, the way to the
results and the map's popups with the keyboard, and axe-core on all of it."""

import re

import pytest
from playwright.sync_api import expect

from poles.models import Pole
from tests.seed_data import seed_names

from .helpers import expect_markers, wait_for_map
from .test_accessibility import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
SETTLED = (
    "() => !document.querySelector('[data-directory-results][aria-busy]')"
    " && !document.querySelector('[data-directory-summary][aria-busy]')"
)
OCCITANIE = ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"]
HAUTS_DE_FRANCE = ["02", "59", "60", "62", "80"]


def settle(page, url_part: str | None = None) -> None:
    if url_part is not None:
        page.wait_for_function("(part) => location.href.includes(part)", arg=url_part)
    page.wait_for_function(SETTLED)
    wait_for_map(page)


def count_text(page) -> str:
    return page.locator("[data-result-count]").inner_text()


def mapped(site, names: set[str]) -> int:
    return len(names & set(site.mapped_poles.values()))


def checkbox(page, name: str, value: str):
    return page.locator(f'input[name="{name}"][value="{value}"]')


def test_switching_language_keeps_the_filters_chosen_since_the_page_loaded(page):
    page.goto("/poles/")
    wait_for_map(page)
    checkbox(page, "secteur", "insertion-emploi").check()
    settle(page, "secteur=insertion-emploi")
    page.locator(".language-switch button[name=language][value=en]").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert "secteur=insertion-emploi" in page.url
    expect(checkbox(page, "secteur", "insertion-emploi")).to_be_checked()
    count = len(seed_names(sectors="insertion-emploi"))
    assert f"{count} poles found" in count_text(page)


def test_back_and_forward_step_through_each_filter_change(page, site):
    page.goto("/")
    page.goto("/poles/")
    wait_for_map(page)
    every = set(Pole.objects.published().values_list("name", flat=True))
    jobs = seed_names(sectors="insertion-emploi")
    active_jobs = seed_names(sectors="insertion-emploi", status="actif")
    active_jobs_or_training = active_jobs | seed_names(sectors="formation", status="actif")
    assert len(every) > len(jobs) > len(active_jobs) and active_jobs_or_training > active_jobs

    checkbox(page, "secteur", "insertion-emploi").check()
    settle(page, "secteur=insertion-emploi")
    page.locator("#id_statut").select_option("actif")
    settle(page, "statut=actif")
    checkbox(page, "secteur", "formation").check()
    settle(page, "secteur=formation")

    def shows(names, *, sectors, status):
        settle(page)
        assert f"{len(names)} pôle" in count_text(page)
        for value in ("insertion-emploi", "formation"):
            assert checkbox(page, "secteur", value).is_checked() == (value in sectors)
        assert page.locator("#id_statut").input_value() == status
        expect_markers(page, mapped(site, names))

    shows(active_jobs_or_training, sectors={"insertion-emploi", "formation"}, status="actif")
    page.go_back()
    page.wait_for_function("() => !location.search.includes('formation')")
    assert "statut=actif" in page.url
    shows(active_jobs, sectors={"insertion-emploi"}, status="actif")
    page.go_back()
    page.wait_for_function("() => !location.search.includes('statut')")
    shows(jobs, sectors={"insertion-emploi"}, status="")
    page.go_back()
    page.wait_for_function("() => location.search === ''")
    assert page.url.endswith("/poles/")
    shows(every, sectors=set(), status="")
    page.go_forward()
    page.wait_for_function("() => location.search.includes('insertion-emploi')")
    shows(jobs, sectors={"insertion-emploi"}, status="")
    page.go_forward()
    page.wait_for_function("() => location.search.includes('statut=actif')")
    shows(active_jobs, sectors={"insertion-emploi"}, status="actif")
    # Back past the directory's steps: the home page, the page before them.
    for _step in range(3):
        page.go_back()
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("h1").count() == 1 and "/poles/" not in page.url


def test_a_search_typed_in_several_pauses_is_one_step_of_the_history(page):
    page.goto("/poles/")
    wait_for_map(page)
    page.locator("#id_q").click()
    page.keyboard.type("pays")
    settle(page, "q=pays")
    page.keyboard.type(" de bray")
    settle(page, "q=pays+de+bray")
    assert page.locator("li.pole-card h3").all_inner_texts() == ["PTCE du Pays de Bray"]
    page.go_back()
    page.wait_for_function("() => location.search === ''")
    settle(page)
    assert page.locator("#id_q").input_value() == ""


def top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_on_a_phone_the_results_and_the_map_come_first(page, site):
    page.set_viewport_size(PHONE)
    page.goto("/poles/?departement=93&secteur=insertion-emploi")
    wait_for_map(page)
    names = seed_names(departement="93", sectors="insertion-emploi")
    toggle = page.locator("[data-filters-toggle]")
    expect(toggle).to_have_text("Filtres (2)")
    assert page.locator("[data-filters-panel]").get_attribute("open") is None
    expect(page.locator("#id_q")).to_be_hidden()
    # The count, then the map, then the first card: the count on the first screen.
    assert top(page, "[data-result-count]") < PHONE["height"] / 2
    assert top(page, "[data-result-count]") < top(page, "#directory-map") < top(page, ".pole-card")
    assert top(page, ".pole-card") < 2 * PHONE["height"]
    # Open the panel, change a filter, and go back to the results with its button.
    toggle.click()
    expect(page.locator("#id_q")).to_be_visible()
    page.locator("#id_statut").select_option("actif")
    settle(page, "statut=actif")
    expected = seed_names(departement="93", sectors="insertion-emploi", status="actif")
    show = page.locator("[data-show-results]")
    expect(toggle).to_have_text("Filtres (3)")
    expect(show).to_have_text(
        f"Voir les {len(expected)} pôles" if len(expected) > 1 else "Voir le pôle"
    )
    # The button stays in sight at the bottom of the open panel.
    box = show.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    show.click()
    expect(page.locator("#id_q")).to_be_hidden()
    assert page.evaluate("() => document.activeElement.matches('[data-directory-summary]')")
    assert 0 <= top(page, "[data-result-count]") < PHONE["height"]
    assert f"{len(expected)} pôle" in count_text(page)
    assert len(names) >= len(expected)


def test_on_a_laptop_the_filters_are_open_beside_the_results(page):
    page.set_viewport_size(LAPTOP)
    page.goto("/poles/?departement=93")
    wait_for_map(page)
    assert page.locator("[data-filters-panel]").get_attribute("open") is not None
    expect(page.locator("#id_q")).to_be_visible()
    form = page.locator("#directory-filters").bounding_box()
    results = page.locator(".directory-results").bounding_box()
    assert form["x"] + form["width"] <= results["x"]
    assert abs(form["y"] - results["y"]) < 100


def test_chips_remove_one_filter_each_and_clear_them_all(page, site):
    page.goto("/poles/?departement=93&secteur=insertion-emploi")
    wait_for_map(page)
    assert page.locator(".filter-chip").count() == 2
    # Seen as "Seine-Saint-Denis ×", heard as what it does.
    chip = page.get_by_role("link", name="Retirer le filtre Département : Seine-Saint-Denis")
    expect(chip).to_have_text(re.compile(r"Seine-Saint-Denis\s*×$"))
    chip.click()
    settle(page)
    page.wait_for_function("() => !location.search.includes('departement')")
    assert "secteur=insertion-emploi" in page.url
    assert page.locator("#id_departement").input_value() == ""
    assert checkbox(page, "secteur", "insertion-emploi").is_checked()
    names = seed_names(sectors="insertion-emploi")
    assert f"{len(names)} pôles trouvés" in count_text(page)
    expect(page.locator("[data-filters-toggle]")).to_have_text("Filtres (1)")
    expect_markers(page, mapped(site, names))
    page.get_by_role("link", name="Effacer les filtres").first.click()
    page.wait_for_function("() => location.search === ''")
    settle(page)
    assert not checkbox(page, "secteur", "insertion-emploi").is_checked()
    assert page.locator(".filter-chip").count() == 0
    expect(page.locator("[data-filters-toggle]")).to_have_text("Filtres")
    # Each was a step of the history.
    page.go_back()
    page.wait_for_function("() => location.search === '?secteur=insertion-emploi'")
    settle(page)
    assert checkbox(page, "secteur", "insertion-emploi").is_checked()


def departement_options(page) -> list[str]:
    return page.eval_on_selector_all(
        "#id_departement option", "(options) => options.map((o) => o.value).filter(Boolean)"
    )


def test_the_departement_list_follows_the_region_live(page):
    page.goto("/poles/")
    wait_for_map(page)
    assert len(departement_options(page)) == 101
    page.locator("#id_region").select_option("76")
    settle(page, "region=76")
    assert departement_options(page) == OCCITANIE
    page.locator("#id_departement").select_option("31")
    settle(page, "departement=31")
    # Another région: a département outside it is dropped, not left to empty the list.
    page.locator("#id_region").select_option("32")
    settle(page, "region=32")
    assert departement_options(page) == HAUTS_DE_FRANCE
    assert page.locator("#id_departement").input_value() == ""
    assert "departement" not in page.url
    # Back restores the région and its list, with the département chosen.
    page.go_back()
    page.wait_for_function("() => location.search.includes('departement=31')")
    settle(page)
    assert page.locator("#id_region").input_value() == "76"
    assert departement_options(page) == OCCITANIE
    assert page.locator("#id_departement").input_value() == "31"
    # All régions: every département again.
    page.locator("#id_region").select_option("")
    settle(page)
    assert len(departement_options(page)) == 101


def test_an_empty_result_offers_to_drop_one_filter(page):
    page.goto("/poles/?region=76&departement=60")
    wait_for_map(page)
    assert "0 pôle" in count_text(page)
    suggestion = page.locator("[data-relaxations] a", has_text="Occitanie")
    suggestion.click()
    page.wait_for_function("() => location.search === '?departement=60'")
    settle(page)
    assert f"{len(seed_names(departement='60'))} pôles trouvés" in count_text(page)
    assert page.locator("#id_region").input_value() == ""
    # Live, the advice is announced with the count.
    page.locator("#id_q").fill("zzyzx")
    page.locator("#id_q").press("Enter")
    settle(page, "q=zzyzx")
    status = page.locator("#directory-status")
    expect(status).to_contain_text("0 pôle trouvé")
    expect(status).to_contain_text("Aucun pôle ne répond à tous ces filtres à la fois.")
    expect(page.locator("[data-relaxations] a")).to_have_text(
        ["Retirer Texte recherché : « zzyzx »"]
    )


def focused(page, selector: str) -> bool:
    return page.evaluate("(s) => document.activeElement.matches(s)", selector)


def test_the_keyboard_reaches_the_results_in_a_few_tabs(page):
    page.goto("/poles/?secteur=insertion-emploi")
    wait_for_map(page)
    for _tab in range(15):
        page.keyboard.press("Tab")
        if focused(page, "a.directory-skip"):
            break
    else:
        raise AssertionError("no link to the results among the first 15 Tab stops")
    expect(page.locator("a.directory-skip")).to_have_text("Aller aux résultats")
    assert page.locator("a.directory-skip").is_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page, ".pole-results li.pole-card:first-child h3 a")


def test_a_marker_popup_takes_the_focus_and_escape_gives_it_back(page, site):
    page.goto("/poles/")
    wait_for_map(page)
    expect_markers(page, len(site.mapped_poles))
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    page.evaluate(
        """() => new Promise((resolve) => {
          const map = document.querySelector("[data-ptce-map]").ptceMap;
          const marker = map.markers.find((m) => m.options.title === "Bou'Sol");
          map.cluster.zoomToShowLayer(marker, resolve);
        })"""
    )
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    marker = page.locator('.leaflet-marker-icon.ptce-marker[title="Bou\'Sol"]')
    marker.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Bou'Sol" in popup.inner_text()
    # The focus is on the popup's link: one Enter opens the pole.
    assert focused(page, ".leaflet-popup-content a[href='/poles/bou-sol/']")
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    assert focused(page, '.leaflet-marker-icon.ptce-marker[title="Bou\'Sol"]')
    # Again, and follow the link.
    page.keyboard.press("Enter")
    popup.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/poles/bou-sol/$"))


WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_no_accessibility_violation_in_the_panel_chips_and_explanations(
    page, site, axe_source, language, viewport
):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
    page.set_viewport_size(viewport)
    for path in (
        "/poles/?departement=93&secteur=insertion-emploi",
        "/poles/?region=76&departement=60",
    ):
        page.goto(path)
        wait_for_map(page)
        assert page.evaluate("() => document.documentElement.lang") == language
        assert page.locator(".filter-chip").count() == 2
        for state in (False, True):
            page.evaluate(
                "(open) => { document.querySelector('[data-filters-panel]').open = open; }", state
            )
            page.evaluate(axe_source.read_text(encoding="utf-8"))
            results = page.evaluate(
                "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
                " resultTypes: ['violations']})",
                WCAG_A_AA,
            )
            violations = results["violations"]
            assert not violations, f"{path}, panel open={state}:\n{describe(violations)}"
