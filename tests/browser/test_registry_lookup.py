"""Typing a SIRET fills the structure form from the SIRENE registry (its recorded
answers, tests/registry/recordings/), and asks before replacing what staff typed.

Uses the fixtures of tests/browser/conftest.py (Chromium, live server, blocked network):
the records made here are committed, as the live server runs in another thread."""

import pytest
from django.core.cache import cache
from django.db.models import Q
from reversion.models import Revision, Version

from poles.models import LegalForm, Structure
from tests.registry.recorded import TRANSPORT

from .test_accessibility import BLOCKING, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "pw-browser-registry-123"
STATUS = "#id_siret-registry-status"


@pytest.fixture(scope="module")
def records(site, django_db_blocker):
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock():
        user = get_user_model().objects.create_superuser(
            "registry-admin", "registry-admin@example.org", PASSWORD
        )
        typed = Structure.objects.create(
            name="Nom saisi à la main (essai)",
            naf_code="94.99Z",
            legal_form=LegalForm.objects.get(slug="scic"),
        )
    yield {"user": user, "typed": typed}
    with django_db_blocker.unblock():
        made = Structure.objects.filter(Q(siret="12345678200010") | Q(pk=typed.pk))
        pks = [str(pk) for pk in made.values_list("pk", flat=True)]
        made.delete()
        # The saves' history too: a reused test database would otherwise offer these
        # structures in the "recover deleted" lists of later runs.
        versions = Version.objects.get_for_model(Structure).filter(object_id__in=pks)
        Revision.objects.filter(version__in=versions).delete()
        user.delete()


@pytest.fixture
def registry(settings):
    """The live server's registry answers with the recorded answers."""
    settings.REGISTRY_TRANSPORT = TRANSPORT
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_page(page, records, registry):
    page.goto("/admin/login/")
    page.fill("#id_username", records["user"].username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    return page


def accessibility_violations(page, axe_source, selector) -> list:
    """Serious or critical axe-core violations within `selector` (the admin's own markup
    is Django's: only what this feature adds is scanned)."""
    page.evaluate(axe_source.read_text(encoding="utf-8"))
    # No preload: axe would copy the page's style sheets into inline <style> elements,
    # which the Content-Security-Policy refuses (the page fixture fails on that).
    options = "{resultTypes: ['violations'], preload: false}"
    results = page.evaluate(f"async (selector) => await axe.run(selector, {options})", selector)
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def select2_text(page, name):
    return page.locator(f"#select2-id_{name}-container").inner_text()


def test_a_siret_fills_the_empty_form_and_the_saved_structure_says_where_from(admin_page):
    page = admin_page
    page.goto("/admin/poles/structure/add/")

    page.locator("#id_siret").press_sequentially("123 456 782 00010", delay=20)

    status = page.locator(STATUS)
    status.get_by_text("Trouvé dans le registre SIRENE").wait_for()
    assert status.get_attribute("role") == "status"
    assert page.input_value("#id_name") == "ASSOCIATION SYNTHETIQUE D'ESSAI DU REGISTRE"
    assert page.input_value("#id_naf_code") == "88.99B"
    assert page.input_value("#id_commune") == "60333"
    assert page.input_value("#id_is_ess") == "true"
    assert "Association loi 1901" in select2_text(page, "legal_form")
    assert "Lachapelle-aux-Pots" in select2_text(page, "commune")
    assert "10 à 19 salariés" in select2_text(page, "headcount_band")
    assert "Rempli depuis le registre : " in status.inner_text()

    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0, page.locator(".errorlist").all_inner_texts()
    structure = Structure.objects.get(siret="12345678200010")
    assert structure.legal_form.slug == "association"
    assert structure.registry_fields == [
        "commune",
        "headcount_band",
        "is_ess",
        "legal_form",
        "naf_code",
        "name",
    ]
    assert page.get_by_text("Vérifié dans le registre SIRENE le").is_visible()
    assert page.get_by_text("Venus du registre : nom, forme juridique").is_visible()


def test_what_staff_typed_is_replaced_only_when_they_say_so(admin_page, records, axe_source):
    page = admin_page
    page.goto(f"/admin/poles/structure/{records['typed'].pk}/change/")

    page.locator("#id_siret").fill("12345678200010")

    question = page.get_by_text("Le registre donne d'autres valeurs")
    question.wait_for()
    text = question.inner_text()
    assert "Nom saisi à la main (essai) → ASSOCIATION SYNTHETIQUE D'ESSAI DU REGISTRE" in text
    assert "94.99Z → 88.99B" in text
    # Asked, not replaced yet; the empty fields are filled.
    assert page.input_value("#id_name") == "Nom saisi à la main (essai)"
    assert page.input_value("#id_naf_code") == "94.99Z"
    assert page.input_value("#id_commune") == "60333"
    violations = accessibility_violations(page, axe_source, STATUS)
    assert not violations, describe(violations)

    page.get_by_role("button", name="Garder les miennes").click()
    assert page.input_value("#id_naf_code") == "94.99Z"
    assert question.count() == 0

    page.locator("#id_siret").fill("123456782")  # the SIREN: asked again, the seat's SIRET
    page.get_by_role("button", name="Prendre les valeurs du registre").click()
    assert page.input_value("#id_siret") == "12345678200010"
    assert page.input_value("#id_name") == "ASSOCIATION SYNTHETIQUE D'ESSAI DU REGISTRE"
    assert page.input_value("#id_naf_code") == "88.99B"
    assert "Autre coopérative" not in select2_text(page, "legal_form")
    assert "Association loi 1901" in select2_text(page, "legal_form")


def test_offline_the_form_says_so_and_still_saves(page, records, settings):
    settings.REGISTRY_TRANSPORT = "registry.client.OfflineTransport"
    cache.clear()
    page.goto("/admin/login/")
    page.fill("#id_username", records["user"].username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/poles/structure/{records['typed'].pk}/change/")

    page.locator("#id_siret").fill("98765432400019")

    page.locator(STATUS).get_by_text("Le registre SIRENE est injoignable").wait_for()
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0
    assert Structure.objects.get(pk=records["typed"].pk).siret == "98765432400019"


def test_the_dashboard_is_accessible(admin_page, axe_source):
    page = admin_page  # the admin's home page, after signing in
    assert page.locator("#staff-dashboard").get_by_text("À regarder dans votre périmètre").count()

    violations = accessibility_violations(page, axe_source, "#staff-dashboard")
    assert not violations, describe(violations)
