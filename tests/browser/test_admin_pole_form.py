"""The pole form without detours, in a browser: a new pole with three new member
structures and this year's figures in one window, and a long pole whose figures and
members are reached without scrolling through every section.

Uses the fixtures of tests/browser/conftest.py (Chromium, live server, blocked network);
the records made here are committed (the live server runs in another thread) and removed
at the end of the module.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from poles.models import KeyFigure, Membership, Pole, PoleSource, Structure

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "pw-browser-pole-form-123"
NEW_POLE = "Pôle de test du formulaire"
NEW_STRUCTURES = [f"Structure de test du formulaire {n}" for n in (1, 2, 3)]
LONG_POLE = "Pôle de test aux nombreux membres"


@pytest.fixture(scope="module")
def records(site, django_db_blocker):
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock():
        user = get_user_model().objects.create_superuser(
            "pole-form-admin", "pole-form-admin@example.org", PASSWORD
        )
        # A pole as long as the largest ones: 40 members, 10 years of figures, sources.
        long_pole = Pole.objects.create(name=LONG_POLE, slug="pole-de-test-aux-nombreux-membres")
        for year in range(2014, 2024):
            KeyFigure.objects.create(pole=long_pole, year=year, etp=Decimal("12.5"), source="x")
        for n in range(40):
            structure = Structure.objects.create(name=f"Membre de test {n:02d}")
            Membership.objects.create(pole=long_pole, structure=structure, source="Source")
        for n in range(8):
            PoleSource.objects.create(pole=long_pole, citation=f"Source de test {n}")
    yield {"user": user, "long_pole": long_pole}
    with django_db_blocker.unblock():
        Structure.objects.filter(memberships__pole__name__in=[NEW_POLE, LONG_POLE]).delete()
        Structure.objects.filter(name__in=NEW_STRUCTURES).delete()
        Pole.objects.filter(name__in=[NEW_POLE, LONG_POLE]).delete()
        user.delete()


@pytest.fixture
def admin_page(page, records):
    page.goto("/admin/login/")
    page.fill("#id_username", records["user"].username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    return page


def add_row(page, group: str):
    """Click the inline's "add" link; the new row's index."""
    rows = page.locator(f"#{group}-group tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator(f"#{group}-group tr.add-row a").click()
    rows.nth(before).wait_for()
    return before


def test_a_new_pole_with_three_new_members_and_this_years_figures_in_one_window(
    admin_page, records
):
    page = admin_page
    windows = []
    page.context.on("page", lambda new_page: windows.append(new_page))
    page.goto("/admin/poles/pole/add/")
    page.fill("#id_name", NEW_POLE)
    page.locator("#id_slug").press("End")  # the slug is filled from the name

    year = timezone.now().year
    index = add_row(page, "figures")
    assert page.locator("#figures-group tr.add-row a").inner_text() == (
        "Ajouter les chiffres d'une autre année"
    )
    page.fill(f"input[name=figures-{index}-year]", str(year))
    page.fill(f"input[name=figures-{index}-etp]", "0,75")
    page.fill(f"input[name=figures-{index}-turnover]", "1 200 000")

    for name in NEW_STRUCTURES:
        index = add_row(page, "memberships")
        row = page.locator(f"#memberships-{index}")
        siret = row.locator("input[data-siret-lookup]")
        # The hook of the registry look-up: the SIRET input of the row's new structure.
        assert siret.get_attribute("name") == f"memberships-{index}-new_structure_siret"
        assert row.locator("[data-new-structure-row] [data-new-structure=name]").count() == 1
        row.locator("input[data-new-structure=name]").fill(name)
    # The first one's commune, through the autocomplete of a row added by script.
    first = page.locator("#memberships-0")
    first.locator(".new-structure__field--new_structure_commune .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Beauvais")
    page.locator(".select2-results__option", has_text="Beauvais").first.click()
    first.locator("input[data-siret-lookup]").fill("732 829 320 00074")

    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/poles/pole/")
    assert page.locator(".errornote").count() == 0
    assert windows == [], "a second window was opened"

    pole = Pole.objects.get(name=NEW_POLE)
    figure = KeyFigure.objects.get(pole=pole)
    assert (figure.year, figure.etp, figure.turnover) == (year, Decimal("0.75"), 1_200_000)
    members = Membership.objects.filter(pole=pole).select_related("structure__commune")
    assert sorted(m.structure.name for m in members) == NEW_STRUCTURES
    first_structure = Structure.objects.get(name=NEW_STRUCTURES[0])
    assert first_structure.siret == "73282932000074"
    assert first_structure.commune.name == "Beauvais"
    assert first_structure.created_by == records["user"]


PAGE_GEOMETRY = """
() => {
  const top = (selector) => {
    const element = document.querySelector(selector);
    return element.getBoundingClientRect().top + window.scrollY;
  };
  const figures = document.querySelector("#figures-group table");
  return {
    height: document.documentElement.scrollHeight,
    figures: top("#figures-group"),
    memberships: top("#memberships-group"),
    figuresWidth: figures.scrollWidth,
    figuresRoom: document.querySelector("#figures-group fieldset").clientWidth,
  };
}
"""


def test_the_usual_edit_is_reached_without_scrolling_through_every_section(admin_page, records):
    """Folded sections: the key figures start within the first screens and the members
    right after them, on a pole with 40 members and 10 years of figures (unfolded, the
    form was 8,800 px long); the figures' table fits its section."""
    page = admin_page
    page.goto(f"/admin/poles/pole/{records['long_pole'].pk}/change/")
    geometry = page.evaluate(PAGE_GEOMETRY)
    assert geometry["figures"] < 1200, geometry
    assert geometry["memberships"] < 2400, geometry
    assert geometry["figuresWidth"] <= geometry["figuresRoom"], geometry

    # A folded section opens with a click (a native <details>), and the map in it draws.
    page.locator("fieldset:has(#id_latitude) summary").click()
    assert page.locator("#id_latitude").is_visible()
    assert page.locator(".seat-map-canvas").bounding_box()["height"] > 100

    # Every section unfolded: what the editor no longer scrolls through.
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => (d.open = true))")
    unfolded = page.evaluate(PAGE_GEOMETRY)
    assert unfolded["height"] > geometry["height"] + 1000, (geometry, unfolded)
