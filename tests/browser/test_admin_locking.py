"""Two staff members edit the same pole's key figures in two browsers: the second save
is refused with a message naming the row and the field, and keeps what they typed.

Uses the fixtures of tests/browser/conftest.py (Chromium, live server, blocked
network); the records made here are committed (the live server runs in another
thread) and removed at the end of the module.
"""

from decimal import Decimal

import pytest

from poles.models import KeyFigure, Pole

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "pw-browser-locking-123"


@pytest.fixture(scope="module")
def records(site, django_db_blocker):
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock():
        users = [
            get_user_model().objects.create_superuser(
                f"verrou-test-{name}", f"verrou-test-{name}@example.org", PASSWORD
            )
            for name in ("premier", "second")
        ]
        pole = Pole.objects.create(name="Pôle de test du verrou", slug="pole-de-test-du-verrou")
        figure = KeyFigure.objects.create(pole=pole, year=2023, etp=Decimal("10.0"))
    yield {"users": users, "pole": pole, "figure": figure}
    with django_db_blocker.unblock():
        pole.delete()
        for user in users:
            user.delete()


@pytest.fixture
def two_pages(browser, site, network, records):
    """Two browser contexts (two people), each logged in as its own staff member."""
    contexts, pages = [], []
    for user in records["users"]:
        context = browser.new_context(base_url=site.url, locale="fr-FR")
        context.set_default_timeout(20_000)
        context.route("**/*", network.handle)
        page = context.new_page()
        page.goto("/admin/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_url("**/admin/")
        contexts.append(context)
        pages.append(page)
    yield pages
    for context in contexts:
        context.close()
    assert not network.blocked, f"third-party requests attempted: {network.blocked}"


def test_the_second_browser_gets_the_named_conflict(two_pages, records):
    first, second = two_pages
    url = f"/admin/poles/pole/{records['pole'].pk}/change/"
    etp = "input[name=figures-0-etp]"
    for page in (first, second):
        page.goto(url)
        page.locator(etp).wait_for()

    first.fill(etp, "12.0")
    first.locator("input[name=_continue]").click()
    first.wait_for_load_state()
    assert first.locator(".errornote").count() == 0

    second.fill(etp, "15.0")
    second.locator("input[name=_continue]").click()
    second.wait_for_load_state()
    message = second.locator(".messagelist .error").inner_text()
    assert "Chiffres clés 2023 : Équivalents temps plein (ETP) modifié par verrou-test-premier" in (
        message
    )
    assert "maintenant « 12 », votre saisie « 15 »" in message
    assert second.locator(etp).input_value() == "15.0"  # what they typed is kept
    records["figure"].refresh_from_db()
    assert records["figure"].etp == Decimal("12.0")

    # They keep their value and save again: now it is theirs.
    second.locator("input[name=_continue]").click()
    second.wait_for_load_state()
    assert second.locator(".errornote").count() == 0
    records["figure"].refresh_from_db()
    assert records["figure"].etp == Decimal("15.0")
