"""Suggestions in a browser, from the public form to the moderator's decision.

The records made here are committed (the live server runs in another thread) and
removed at the end of the module; the seed pole's summary is put back.
"""

import pytest

from editors.models import EditorProfile
from poles.models import Pole
from suggestions.models import Suggestion
from territories.models import Departement, Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "pw-test-123"
POLE_SLUG = "ptce-pays-de-bray"  # seated in Lachapelle-aux-Pots, Oise


@pytest.fixture(scope="module")
def editors(site, django_db_blocker):
    from tests.factories import editor

    with django_db_blocker.unblock():
        oise = editor(
            EditorProfile.Role.TERRITORIAL,
            username="editeur-test-navigateur-oise",
            departements=[Departement.objects.get(code="60")],
        )
        occitanie = editor(
            EditorProfile.Role.TERRITORIAL,
            username="editeur-test-navigateur-occitanie",
            regions=[Region.objects.get(code="76")],
        )
        summary = Pole.objects.get(slug=POLE_SLUG).summary
    yield {"oise": oise, "occitanie": occitanie}
    with django_db_blocker.unblock():
        Suggestion.objects.all().delete()
        Pole.objects.filter(slug=POLE_SLUG).update(summary=summary)
        oise.delete()
        occitanie.delete()


@pytest.fixture(autouse=True)
def quick_forms(settings):
    # The live server runs in this process: a shorter minimum fill time for the tests.
    settings.SUGGESTIONS_MIN_FILL_SECONDS = 1


def log_in(page, user):
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


def send(page):
    page.wait_for_timeout(1100)  # a person takes longer than the minimum fill time
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer la suggestion").click()
    assert "envoyee=1" in page.url, page.locator("main").inner_text()
    assert "Merci : votre suggestion a bien été reçue." in page.locator("main").inner_text()


def test_a_correction_from_the_public_accepted_by_a_territorial_editor(page, editors):
    page.goto(f"/poles/{POLE_SLUG}/")
    page.get_by_role("link", name="Signaler une erreur / compléter cette fiche").click()
    page.wait_for_url(f"**/poles/{POLE_SLUG}/suggestion/")

    # A first try without consent: the error summary takes the focus and links to the field.
    page.get_by_label("Résumé").fill("Résumé corrigé par le test navigateur.")
    page.get_by_label("Source de l'information").fill("Rapport d'activité 2024 du pôle")
    page.get_by_label("Votre adresse électronique").fill("contributrice-test@example.org")
    send_button = page.get_by_role("button", name="Envoyer la suggestion")
    page.wait_for_timeout(1100)
    with page.expect_navigation():
        send_button.click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_privacy"
    page.keyboard.press("Space")  # ticks the box
    send(page)
    follow_url = page.url
    assert "Reçue" in page.locator("main").inner_text()

    suggestion = Suggestion.objects.get(pole__slug=POLE_SLUG)
    assert suggestion.proposed == {"summary": "Résumé corrigé par le test navigateur."}

    log_in(page, editors["oise"])
    page.goto("/admin/suggestions/suggestion/")
    page.get_by_role("link", name=f"#{suggestion.pk}").click()
    diff = page.locator("table.suggestion-diff")
    assert "Résumé corrigé par le test navigateur." in diff.inner_text()
    assert page.locator("#unit-summary").is_checked()
    page.get_by_role("button", name="Appliquer les champs choisis").click()
    assert "acceptée" in page.locator(".messagelist").inner_text()

    page.goto(f"/poles/{POLE_SLUG}/")
    assert "Résumé corrigé par le test navigateur." in page.locator(".lead").inner_text()
    page.goto(follow_url)
    assert "Acceptée" in page.locator("main").inner_text()

    # The Occitanie editor never sees it.
    log_in(page, editors["occitanie"])
    page.goto("/admin/suggestions/suggestion/")
    assert f"#{suggestion.pk}" not in page.locator("#content").inner_text()
    response = page.goto(f"/admin/suggestions/suggestion/{suggestion.pk}/change/")
    assert response.status == 404


def test_a_new_pole_rejected_with_a_reason(page, editors):
    page.goto("/poles/")
    page.get_by_role("link", name="Référencer un pôle").first.click()
    page.wait_for_url("**/contribuer/")
    page.get_by_label("Nom du pôle").fill("Pôle de test proposé à Montpellier")
    page.get_by_label("Commune, département ou région").fill("Montpellier")
    page.get_by_label("Source ou contact").fill("Article de presse de test")
    page.get_by_label("Votre adresse électronique").fill("contributeur-test@example.org")
    page.get_by_label("J'ai lu la notice").check()
    send(page)
    follow_url = page.url
    suggestion = Suggestion.objects.get(kind=Suggestion.Kind.NEW_POLE)
    assert suggestion.commune_id == "34172"

    # The Oise editor never sees it.
    log_in(page, editors["oise"])
    page.goto("/admin/suggestions/suggestion/")
    assert "Pôle de test proposé" not in page.locator("#content").inner_text()
    response = page.goto(f"/admin/suggestions/suggestion/{suggestion.pk}/change/")
    assert response.status == 404

    log_in(page, editors["occitanie"])
    page.goto(f"/admin/suggestions/suggestion/{suggestion.pk}/change/")
    page.get_by_label("Motif, montré à la personne qui a fait la suggestion").fill(
        "Ce pôle est déjà référencé sous un autre nom."
    )
    page.get_by_role("button", name="Refuser la suggestion").click()
    assert "refusée" in page.locator(".messagelist").inner_text()

    page.context.clear_cookies()
    page.goto(follow_url)
    text = page.locator("main").inner_text()
    assert "Refusée" in text
    assert "Ce pôle est déjà référencé sous un autre nom." in text
    assert not Pole.objects.filter(name__startswith="Pôle de test proposé").exists()
