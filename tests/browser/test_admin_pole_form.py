"""The pole form without detours, in a browser: a new pole with three new member
structures and this year's figures in one window, and a long pole whose figures and
members are reached without scrolling through every section.

Uses the fixtures of tests/browser/conftest.py (Chromium, live server, blocked network);
the records made here are committed (the live server runs in another thread) and removed
at the end of the module.
"""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from reversion.models import Revision, Version

from poles.models import KeyFigure, Membership, Pole, PoleSource, Structure
from tests.registry.recorded import TRANSPORT

from .test_accessibility import describe
from .test_registry_lookup import accessibility_violations, select2_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "pw-browser-pole-form-123"
NEW_POLE = "Pôle de test du formulaire"
NEW_STRUCTURES = [f"Structure de test du formulaire {n}" for n in (1, 2, 3)]
LONG_POLE = "Pôle de test aux nombreux membres"
# The recorded registry's synthetic association (tests/registry/recordings/).
REGISTRY_SIRET = "12345678200010"
REGISTRY_NAME = "ASSOCIATION SYNTHETIQUE D'ESSAI DU REGISTRE"
TYPED_NAME = "Nom provisoire saisi à la main"
OFFLINE_NAME = "Structure de test créée hors ligne"


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
        structures = Structure.objects.filter(
            Q(memberships__pole__name__in=[NEW_POLE, LONG_POLE])
            | Q(name__in=[*NEW_STRUCTURES, TYPED_NAME, OFFLINE_NAME])
            | Q(siret=REGISTRY_SIRET, created_by=user)
        )
        poles = Pole.objects.filter(name__in=[NEW_POLE, LONG_POLE])
        # The saves' history too: a reused test database would otherwise offer these
        # records in the "recover deleted" lists of later runs.
        versions = Version.objects.filter(
            Q(object_id__in=[str(pk) for pk in structures.values_list("pk", flat=True)])
            & Q(content_type__model="structure")
            | Q(object_id__in=[str(pk) for pk in poles.values_list("pk", flat=True)])
            & Q(content_type__model="pole")
        )
        Revision.objects.filter(version__in=versions).delete()
        structures.delete()
        poles.delete()
        user.delete()


@pytest.fixture
def admin_page(page, records):
    page.goto("/admin/login/")
    page.fill("#id_username", records["user"].username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    return page


@pytest.fixture
def registry(settings):
    """The live server's registry answers with the recorded answers."""
    settings.REGISTRY_TRANSPORT = TRANSPORT
    cache.clear()  # free the per-user look-up counters
    yield
    cache.clear()


def row_status(index: int) -> str:
    """The id of the look-up's message under a membership row's SIRET input."""
    return f"id_memberships-{index}-new_structure_siret-registry-status"


def add_row(page, group: str):
    """Click the inline's "add" link; the new row's index."""
    rows = page.locator(f"#{group}-group tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator(f"#{group}-group tr.add-row a").click()
    rows.nth(before).wait_for()
    return before


def look_up_the_second_row(page, axe_source):
    """A name typed, then its SIREN, looked up in the recorded registry: the empty
    fields are filled, the typed name is asked about (an accessible question), then
    replaced on request."""
    second = page.locator("#memberships-1")
    second.locator("input[data-siret-lookup]").press_sequentially("123 456 782", delay=20)
    status = page.locator(f"#{row_status(1)}")
    status.get_by_text("Trouvé dans le registre SIRENE").wait_for()
    assert status.get_attribute("role") == "status"
    # The empty fields are filled at once, the select2 selects included...
    assert page.input_value("#id_memberships-1-new_structure_siret") == REGISTRY_SIRET
    assert page.input_value("#id_memberships-1-new_structure_commune") == "60333"
    assert "Lachapelle-aux-Pots" in select2_text(page, "memberships-1-new_structure_commune")
    assert "Association loi 1901" in select2_text(page, "memberships-1-new_structure_legal_form")
    # ...what staff typed is asked about, not replaced yet.
    question = status.get_by_text("Le registre donne d'autres valeurs")
    question.wait_for()
    assert f"{TYPED_NAME} → {REGISTRY_NAME}" in question.inner_text()
    assert page.input_value("#id_memberships-1-new_structure_name") == TYPED_NAME
    # Django's tabular rows label their cells by the column headers only: the block
    # this feature adds (the new structure, the look-up's message and question) is scanned.
    violations = accessibility_violations(
        page, axe_source, "#memberships-1 [data-new-structure-row]"
    )
    assert not violations, describe(violations)
    status.get_by_role("button", name="Prendre les valeurs du registre").click()
    assert page.input_value("#id_memberships-1-new_structure_name") == REGISTRY_NAME
    assert question.count() == 0


def assert_stored(records, year):
    """The rows the form stored: the pole, its figures, three structures, where their
    values came from."""
    pole = Pole.objects.get(name=NEW_POLE)
    figure = KeyFigure.objects.get(pole=pole)
    assert (figure.year, figure.etp, figure.turnover) == (year, Decimal("0.75"), 1_200_000)
    members = Membership.objects.filter(pole=pole).select_related(
        "structure__commune", "structure__legal_form"
    )
    assert sorted(m.structure.name for m in members) == sorted(
        [NEW_STRUCTURES[0], REGISTRY_NAME, NEW_STRUCTURES[2]]
    )
    assert all(m.structure.created_by == records["user"] for m in members)
    first_structure = Structure.objects.get(name=NEW_STRUCTURES[0])
    assert first_structure.siret == "73282932000074"
    assert first_structure.commune.name == "Beauvais"
    assert (first_structure.registry_fields, first_structure.registry_state) == ([], "")
    looked_up = Structure.objects.get(siret=REGISTRY_SIRET)
    assert looked_up.commune.code == "60333"
    assert looked_up.legal_form.slug == "association"
    assert looked_up.registry_fields == ["commune", "legal_form", "name"]
    assert looked_up.registry_state == Structure.RegistryState.ACTIVE
    assert looked_up.registry_checked_at is not None
    third = Structure.objects.get(name=NEW_STRUCTURES[2])
    assert (third.siret, third.commune, third.legal_form) == ("", None, None)
    # Created with the pole: one save, one history entry.
    revision = Version.objects.get_for_object(pole).get().revision_id
    assert Version.objects.get_for_object(looked_up).get().revision_id == revision
    return pole


def assert_published_page(page, pole, year):
    """Published from the list (a changelist action), the public page shows it all."""
    page.locator("tr", has_text=NEW_POLE).locator("input.action-select").check()
    page.select_option("select[name=action]", "publish")
    page.locator("button[name=index]").click()
    page.get_by_text("1 pôle(s) publié(s)").wait_for()
    page.goto(Pole.objects.get(pk=pole.pk).get_absolute_url())
    assert page.locator("h1").inner_text() == NEW_POLE
    members_text = page.locator("section[aria-labelledby=members-title]").inner_text()
    for name in (NEW_STRUCTURES[0], REGISTRY_NAME, NEW_STRUCTURES[2]):
        assert name in members_text
    figures_text = " ".join(
        page.locator("section[aria-labelledby=figures-title]").inner_text().split()
    )
    assert str(year) in figures_text
    assert "0,75" in figures_text
    assert "1 200 000 €" in figures_text


def test_a_new_pole_with_three_new_members_and_this_years_figures_in_one_window(
    admin_page, records, registry, axe_source
):
    """Issue 14: a new pole, three new member structures in their rows (the second one
    filled from the SIRENE registry's recorded answer to its SIREN), this year's
    figures, in one window; then published, as the public page shows it."""
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

    for name in (NEW_STRUCTURES[0], TYPED_NAME, NEW_STRUCTURES[2]):
        index = add_row(page, "memberships")
        row = page.locator(f"#memberships-{index}")
        siret = row.locator("input[data-siret-lookup]")
        # The hook of the registry look-up: the SIRET input of the row's new structure.
        assert siret.get_attribute("name") == f"memberships-{index}-new_structure_siret"
        assert siret.get_attribute("data-siret-lookup") == "/admin/poles/structure/registry-lookup/"
        assert row.locator("[data-new-structure-row] [data-new-structure=name]").count() == 1
        row.locator("input[data-new-structure=name]").fill(name)
    # The first one's commune, through the autocomplete of a row added by script; its
    # SIRET is not in the registry (the form says so, and saves what was typed).
    first = page.locator("#memberships-0")
    first.locator(".new-structure__field--new_structure_commune .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Beauvais")
    page.locator(".select2-results__option", has_text="Beauvais").first.click()
    first.locator("input[data-siret-lookup]").fill("732 829 320 00074")
    page.locator(f"#{row_status(0)}").get_by_text("pas dans le registre SIRENE").wait_for()

    look_up_the_second_row(page, axe_source)

    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/poles/pole/")
    assert page.locator(".errornote").count() == 0
    assert windows == [], "a second window was opened"

    pole = assert_stored(records, year)
    assert_published_page(page, pole, year)


def test_offline_a_new_structure_row_says_so_and_the_pole_still_saves(admin_page, records):
    """Without the registry (the tests' default transport: offline), the row's look-up
    says so and the structure is created from what was typed."""
    page = admin_page
    page.goto(f"/admin/poles/pole/{records['long_pole'].pk}/change/")
    index = add_row(page, "memberships")
    row = page.locator(f"#memberships-{index}")
    row.locator("input[data-new-structure=name]").fill(OFFLINE_NAME)
    row.locator("input[data-siret-lookup]").fill("98765432400027")
    page.locator(f"#{row_status(index)}").get_by_text(
        "Le registre SIRENE est injoignable"
    ).wait_for()

    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0, page.locator(".errorlist").all_inner_texts()
    structure = Structure.objects.get(name=OFFLINE_NAME)
    assert (structure.siret, structure.registry_fields) == ("98765432400027", [])
    assert structure.memberships.get().pole == records["long_pole"]


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
