"""No lost update (optimistic locking) and no password guessing (django-axes lockout)."""

import html
import re
import time
from decimal import Decimal

import pytest
import reversion
from django.test import Client
from django.urls import reverse

from editors.locking import LOCK_FIELD
from editors.models import EditorProfile
from poles.models import Pole, Sector, Structure
from tests.admin_forms import browser_form_data, change_form_data, inline_prefix, registered_models
from tests.factories import (
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    StructureFactory,
    editor,
    located_pole,
)

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


def saved_meanwhile(obj, user, **changes):
    """Another editor saves the record (as the admin would: with a revision)."""
    time.sleep(0.001)  # a later revision date, even on a coarse clock
    fresh = type(obj).objects.get(pk=obj.pk)
    with reversion.create_revision():
        reversion.set_user(user)
        for name, value in changes.items():
            setattr(fresh, name, value)
        fresh.save()


def session(user) -> Client:
    """One staff member's browser: their own test client, logged in, in French."""
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def shown_messages(response) -> str:
    """The messages shown at the top of the page, as text."""
    text = " ".join(str(message) for message in response.context["messages"])
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def set_row(data, prefix, pk, **values):
    """Set fields of the inline row whose id is pk, in browser-style form data."""
    index = next(
        key.split("-")[-2]
        for key, value in data.items()
        if key.startswith(f"{prefix}-") and key.endswith("-id") and value == [str(pk)]
    )
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = [value]
    return index


def pole_page(client, pole):
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    return url, client.get(url)


@pytest.fixture
def two_editors():
    first = editor(Role.NATIONAL, username="editeur-test-premier")
    second = editor(Role.NATIONAL, username="editeur-test-second")
    return first, second


def test_second_save_of_a_pole_is_refused_with_what_changed(client):
    first = editor(Role.NATIONAL, username="editeur-test-premier")
    second = editor(Role.NATIONAL, username="editeur-test-second")
    pole = located_pole("60333", summary="Résumé de test d'origine")
    client.force_login(second)
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = client.get(url)
    data = change_form_data(page)
    assert data[LOCK_FIELD]
    saved_meanwhile(pole, first, summary="Résumé de test du premier éditeur")

    data["summary"] = "Résumé de test du second éditeur"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["adminform"].form
    message = shown_messages(response)
    assert "editeur-test-premier" in message
    assert "after you opened it" in message
    assert "Résumé de test du premier éditeur" in message  # the value now
    assert "Résumé de test du second éditeur" in message  # the value submitted
    assert "summary" in form.errors
    pole.refresh_from_db()
    assert pole.summary == "Résumé de test du premier éditeur"

    # Having seen the difference, the editor saves again on purpose: accepted.
    data[LOCK_FIELD] = response.context["optimistic_lock"]["value"]
    assert client.post(url, data).status_code == 302
    pole.refresh_from_db()
    assert pole.summary == "Résumé de test du second éditeur"


def test_a_save_without_concurrent_change_goes_through(client):
    user = editor(Role.NATIONAL)
    pole = located_pole("60333")
    client.force_login(user)
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    data["summary"] = "Résumé de test modifié"
    response = client.post(url, data, follow=True)
    assert response.redirect_chain
    assert "after you opened" not in shown_messages(response)
    assert Pole.objects.get(pk=pole.pk).summary == "Résumé de test modifié"


def test_a_no_op_save_of_every_field_kind_changes_nothing_another_user_saved(two_editors):
    """Every field the pole form shows, submitted as the browser shows it, counts as
    untouched: the other editor's changes all stay (no false "you changed it")."""
    first, second = two_editors
    pole = located_pole(
        "60333",
        summary="Résumé de test",
        description="Ligne de test 1\nLigne de test 2",
        website="https://exemple-test.org/",
    )
    KeyFigureFactory(pole=pole, year=2023, etp=Decimal("10.0"), note="Note de test")
    url, page = pole_page(session(second), pole)
    data = browser_form_data(page)
    other = session(first)
    _url, other_page = pole_page(other, pole)
    other_data = browser_form_data(other_page)
    other_data["summary"] = ["Résumé de test du premier"]
    other_data["founded_year"] = ["2001"]
    assert_saved(other.post(url, other_data))

    second_client = session(second)
    response = second_client.post(url, data, follow=True)
    assert response.redirect_chain, form_errors(response)
    message = shown_messages(response)
    assert "Résumé de test du premier" in message  # reported as kept
    pole.refresh_from_db()
    assert pole.summary == "Résumé de test du premier"
    assert pole.founded_year == 2001
    # The texts went through the browser (CRLF) and back: the same text.
    assert pole.description.replace("\r\n", "\n") == "Ligne de test 1\nLigne de test 2"


def test_key_figures_edited_in_two_pole_forms(two_editors):
    first, second = two_editors
    pole = located_pole("60333")
    figure = KeyFigureFactory(pole=pole, year=2023, etp=Decimal("10.0"), turnover=500_000)
    a, b = session(first), session(second)
    url, page_a = pole_page(a, pole)
    _url, page_b = pole_page(b, pole)
    prefix = inline_prefix(page_a, "keyfigure")

    data_a = browser_form_data(page_a)
    set_row(data_a, prefix, figure.pk, etp="12.0", turnover="600000")
    assert_saved(a.post(url, data_a))

    data_b = browser_form_data(page_b)
    index = set_row(data_b, prefix, figure.pk, etp="15.0")
    response = b.post(url, data_b)
    assert response.status_code == 200
    message = shown_messages(response)
    # Named: the row, the field, who, both values.
    assert (
        "Chiffres clés 2023 : Équivalents temps plein (ETP) modifié par editeur-test-premier"
        in message
    )
    assert "maintenant « 12 », votre saisie « 15 »" in message
    assert "Chiffres clés 2023 : Chiffre d'affaires (€) modifié par editeur-test-premier" in message
    assert "sa valeur « 600000 » est conservée" in message
    # Re-shown: the editor's own input where both changed, the new stored value where
    # only the other did.
    reshown = browser_form_data(response)
    assert reshown[f"{prefix}-{index}-etp"] == ["15.0"]
    assert reshown[f"{prefix}-{index}-turnover"] == ["600000"]
    figure.refresh_from_db()
    assert (figure.etp, figure.turnover) == (Decimal("12.0"), 600_000)

    # Saving the re-shown page again: the editor's ETP, and the other's turnover (not
    # the stale 500 000 the editor first loaded).
    response = b.post(url, reshown, follow=True)
    assert response.redirect_chain, form_errors(response)
    figure.refresh_from_db()
    assert (figure.etp, figure.turnover) == (Decimal("15.0"), 600_000)


def test_key_figures_changed_in_different_fields_merge_without_refusal(two_editors):
    first, second = two_editors
    pole = located_pole("60333")
    figure = KeyFigureFactory(pole=pole, year=2023, etp=Decimal("10.0"), turnover=500_000)
    a, b = session(first), session(second)
    url, page_a = pole_page(a, pole)
    _url, page_b = pole_page(b, pole)
    prefix = inline_prefix(page_a, "keyfigure")
    data_a = browser_form_data(page_a)
    set_row(data_a, prefix, figure.pk, turnover="600000")
    assert_saved(a.post(url, data_a))

    data_b = browser_form_data(page_b)
    set_row(data_b, prefix, figure.pk, etp="15.0")
    response = b.post(url, data_b, follow=True)
    assert response.redirect_chain
    message = shown_messages(response)
    assert "Vos modifications ont été enregistrées" in message
    assert "Chiffres clés 2023 : Chiffre d'affaires (€) modifié par editeur-test-premier" in (
        message
    )
    figure.refresh_from_db()
    assert (figure.etp, figure.turnover) == (Decimal("15.0"), 600_000)


def test_a_row_deleted_meanwhile_is_reported_not_recreated(two_editors):
    first, second = two_editors
    pole = located_pole("60333")
    old = KeyFigureFactory(pole=pole, year=2022, etp=Decimal("8.0"))
    new = KeyFigureFactory(pole=pole, year=2023, etp=Decimal("10.0"))
    a, b = session(first), session(second)
    url, page_a = pole_page(a, pole)
    _url, page_b = pole_page(b, pole)
    prefix = inline_prefix(page_a, "keyfigure")
    data_a = browser_form_data(page_a)
    set_row(data_a, prefix, old.pk, DELETE="on")
    assert_saved(a.post(url, data_a))

    data_b = browser_form_data(page_b)
    set_row(data_b, prefix, old.pk, etp="9.0")
    set_row(data_b, prefix, new.pk, note="Note de test du second")
    response = b.post(url, data_b, follow=True)
    assert response.redirect_chain, form_errors(response)
    assert "Chiffres clés 2022 supprimé par un autre utilisateur" in shown_messages(response)
    assert list(pole.figures.values_list("year", "note")) == [(2023, "Note de test du second")]


def test_a_membership_from_the_pole_form_and_from_the_structure_form(two_editors):
    first, second = two_editors
    pole = located_pole("60333")
    structure = StructureFactory(name="Structure de test partagée")
    membership = MembershipFactory(pole=pole, structure=structure, joined_year=2015)
    a, b = session(first), session(second)
    structure_url = reverse("admin:poles_structure_change", args=[structure.pk])
    page_a = a.get(structure_url)
    pole_url, page_b = pole_page(b, pole)

    data_a = browser_form_data(page_a)
    set_row(data_a, inline_prefix(page_a, "membership"), membership.pk, joined_year="2018")
    assert a.post(structure_url, data_a).status_code == 302

    # The pole form changes the note only: the year saved from the structure stays.
    prefix = inline_prefix(page_b, "membership")
    data_b = browser_form_data(page_b)
    set_row(data_b, prefix, membership.pk, note="Note de test du pôle")
    response = b.post(pole_url, data_b, follow=True)
    assert response.redirect_chain, form_errors(response)
    assert "Année d'entrée modifié par editeur-test-premier" in shown_messages(response)
    membership.refresh_from_db()
    assert (membership.joined_year, membership.note) == (2018, "Note de test du pôle")

    # Both change the year: refused, both values shown, then the second save wins.
    page_a = a.get(structure_url)
    page_b = b.get(pole_url)
    data_a = browser_form_data(page_a)
    set_row(data_a, inline_prefix(page_a, "membership"), membership.pk, joined_year="2019")
    assert a.post(structure_url, data_a).status_code == 302
    data_b = browser_form_data(page_b)
    index = set_row(data_b, prefix, membership.pk, joined_year="2016")
    response = b.post(pole_url, data_b)
    assert response.status_code == 200
    assert "maintenant « 2019 », votre saisie « 2016 »" in shown_messages(response)
    reshown = browser_form_data(response)
    assert reshown[f"{prefix}-{index}-joined_year"] == ["2016"]
    assert reshown[f"{prefix}-{index}-note"] == ["Note de test du pôle"]
    membership.refresh_from_db()
    assert membership.joined_year == 2019
    assert b.post(pole_url, reshown).status_code == 302
    membership.refresh_from_db()
    assert (membership.joined_year, membership.note) == (2016, "Note de test du pôle")


def test_the_cooperator_change_page_is_locked(two_editors):
    first, second = two_editors
    pole = located_pole("60333")
    cooperator = CooperatorFactory(pole=pole, shares=10, name="Coopérateur de test")
    url = reverse("admin:members_cooperator_change", args=[cooperator.pk])
    a, b = session(first), session(second)
    page_a, page_b = a.get(url), b.get(url)
    data_a = browser_form_data(page_a)
    data_a["shares"] = ["12"]
    assert_saved(a.post(url, data_a))

    data_b = browser_form_data(page_b)
    data_b["shares"] = [""]
    data_b["name"] = ["Coopérateur de test renommé"]
    response = b.post(url, data_b)
    assert response.status_code == 200
    message = shown_messages(response)
    assert "Parts sociales détenues modifié par editeur-test-premier" in message
    assert "maintenant « 12 », votre saisie « — »" in message
    reshown = browser_form_data(response)
    assert reshown["shares"] == [""]
    assert reshown["name"] == ["Coopérateur de test renommé"]
    cooperator.refresh_from_db()
    assert (cooperator.shares, cooperator.name) == (12, "Coopérateur de test")

    assert b.post(url, reshown).status_code == 302
    cooperator.refresh_from_db()
    assert (cooperator.shares, cooperator.name) == (None, "Coopérateur de test renommé")


def test_the_key_figure_change_page_against_the_pole_form(two_editors):
    first, second = two_editors
    pole = located_pole("60333")
    figure = KeyFigureFactory(pole=pole, year=2023, etp=Decimal("10.0"), note="Note de test")
    a, b = session(first), session(second)
    pole_url, page_a = pole_page(a, pole)
    figure_url = reverse("admin:poles_keyfigure_change", args=[figure.pk])
    page_b = b.get(figure_url)
    data_a = browser_form_data(page_a)
    set_row(data_a, inline_prefix(page_a, "keyfigure"), figure.pk, etp="11.0", note="Note A")
    assert a.post(pole_url, data_a).status_code == 302

    data_b = browser_form_data(page_b)
    data_b["etp"] = ["13.0"]
    response = b.post(figure_url, data_b)
    assert response.status_code == 200
    message = shown_messages(response)
    assert "Équivalents temps plein (ETP) modifié par editeur-test-premier" in message
    assert "maintenant « 11 », votre saisie « 13 »" in message
    reshown = browser_form_data(response)
    assert reshown["etp"] == ["13.0"]
    assert reshown["note"] == ["Note A"]
    assert b.post(figure_url, reshown).status_code == 302
    figure.refresh_from_db()
    assert (figure.etp, figure.note) == (Decimal("13.0"), "Note A")


def test_line_endings_alone_are_not_a_change(two_editors):
    first, second = two_editors
    pole = located_pole("60333", description="Ligne de test 1\nLigne de test 2")
    a, b = session(first), session(second)
    url, page_a = pole_page(a, pole)
    _url, page_b = pole_page(b, pole)
    data_a = browser_form_data(page_a)  # the description comes back with CRLF
    data_a["summary"] = ["Résumé de test du premier"]
    assert_saved(a.post(url, data_a))
    assert "\r\n" in Pole.objects.get(pk=pole.pk).description

    data_b = browser_form_data(page_b)
    data_b["description"] = ["Ligne de test 1\r\nLigne de test 2\r\nLigne de test 3"]
    response = b.post(url, data_b, follow=True)
    assert response.redirect_chain, form_errors(response)
    message = shown_messages(response)
    assert "description" not in message.lower()
    pole.refresh_from_db()
    assert pole.summary == "Résumé de test du premier"
    assert pole.description.replace("\r\n", "\n").endswith("Ligne de test 3")


def test_a_reference_list_entry_is_locked(two_editors):
    first, second = two_editors
    sector = Sector.objects.create(name="Secteur de test", slug="secteur-de-test")
    url = reverse("admin:poles_sector_change", args=[sector.pk])
    a, b = session(first), session(second)
    page_a, page_b = a.get(url), b.get(url)
    data_a = browser_form_data(page_a)
    data_a["name_en"] = ["Test sector A"]
    assert_saved(a.post(url, data_a))
    data_b = browser_form_data(page_b)
    data_b["name_en"] = ["Test sector B"]
    response = b.post(url, data_b)
    assert response.status_code == 200
    assert "votre saisie « Test sector B »" in shown_messages(response)
    assert Sector.objects.get(pk=sector.pk).name_en == "Test sector A"


def test_every_admin_that_edits_records_carries_versions():
    from django.contrib import admin

    from editors.admin.locking import OptimisticLockAdminMixin

    ours = {"poles", "members", "territories", "editors", "auth"}
    missing = [
        model._meta.label
        for model, model_admin in ((m, admin.site.get_model_admin(m)) for m in registered_models())
        if model._meta.app_label in ours
        # A token is never edited after its creation (only revoked, by an action).
        and model._meta.label not in {"auth.Group", "editors.APIToken"}
        and not isinstance(model_admin, OptimisticLockAdminMixin)
    ]
    assert missing == []


def test_a_malformed_version_is_ignored_not_a_server_error(client):
    user = editor(Role.NATIONAL)
    pole = located_pole("60333")
    client.force_login(user)
    url, page = pole_page(client, pole)
    for token in [
        "{",
        "[]",
        '{"poles.pole:1": 3}',
        '{"poles.pole:1": {"fields": {"summary": 5}}}',
        '{"x": {"fields": []}}',
        "null",
        "[" * 100_000,
    ]:
        data = browser_form_data(page)
        data[LOCK_FIELD] = [token.replace("1", str(pole.pk))]
        assert client.post(url, data).status_code == 302
    # A key that is no record: the admin's usual answer, not a server error.
    for key in ["99999999999999999999", "abc", "-1"]:
        response = client.post(f"/admin/poles/pole/{key}/change/", data)
        assert response.status_code in {302, 404}


def test_second_save_of_a_structure_is_refused(client):
    first = editor(Role.NATIONAL)
    second = editor(Role.NATIONAL)
    structure = StructureFactory(name="Structure de test d'origine")
    client.force_login(second)
    url = reverse("admin:poles_structure_change", args=[structure.pk])
    data = change_form_data(client.get(url))
    saved_meanwhile(structure, first, name="Structure de test renommée par le premier")
    data["name"] = "Structure de test renommée par le second"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert (
        Structure.objects.get(pk=structure.pk).name == "Structure de test renommée par le premier"
    )


def login_post(client, username, password):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_login_is_locked_after_five_failures(client):
    user = editor(Role.TERRITORIAL, username="editeur-test-verrou")
    for _attempt in range(4):
        response = login_post(client, user.username, "mauvais-mot-de-passe")
        assert response.status_code == 200  # the login form again, with its error
    response = login_post(client, user.username, "mauvais-mot-de-passe")
    assert response.status_code == 429
    # Even the right password is refused now, with a clear page.
    response = login_post(client, user.username, "pw-test-123")
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    other = editor(Role.TERRITORIAL, username="editeur-test-libre")
    response = login_post(client, other.username, "pw-test-123")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_a_successful_login_is_not_affected(client):
    user = editor(Role.TERRITORIAL, username="editeur-test-ok")
    assert login_post(client, user.username, "mauvais-mot-de-passe").status_code == 200
    response = login_post(client, user.username, "pw-test-123")
    assert response.status_code == 302


def test_a_national_administrator_unlocks_an_account_in_the_admin(client):
    from axes.models import AccessAttempt

    locked = editor(Role.TERRITORIAL, username="editeur-test-bloque")
    for _attempt in range(5):
        login_post(client, locked.username, "mauvais-mot-de-passe")
    assert login_post(client, locked.username, "pw-test-123").status_code == 429

    client.force_login(editor(Role.NATIONAL, username="admin-national-test"))
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert "editeur-test-bloque" in changelist.content.decode()
    attempt = AccessAttempt.objects.get(username=locked.username)
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=locked.username).exists()

    client.logout()
    assert login_post(client, locked.username, "pw-test-123").status_code == 302


def test_a_territorial_editor_cannot_see_login_attempts(client):
    client.force_login(editor(Role.TERRITORIAL, username="editeur-test-curieux"))
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_an_editor_profile_saved_before_the_groups_exist_still_gets_its_group(db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from editors.models import EditorProfile
    from editors.services import sync_editor_group

    Group.objects.all().delete()
    user = get_user_model().objects.create_user("editeur-test-sans-groupe", is_staff=True)
    EditorProfile.objects.create(user=user, role=Role.COORDINATOR)
    sync_editor_group(user)
    assert list(user.groups.values_list("name", flat=True)) == ["Coordinateurs de pôle"]
    assert user.has_perm("poles.change_pole")


def form_errors(response):
    context = response.context
    return [context["adminform"].form.errors] + [
        (inline.formset.prefix, inline.formset.errors, inline.formset.non_form_errors())
        for inline in context["inline_admin_formsets"]
    ]


def assert_saved(response):
    assert response.status_code == 302, form_errors(response)


def test_every_change_page_carries_versions_and_a_no_op_save_passes(admin_client):
    """Every change page of the admin renders its versions, and saving it unchanged
    goes through: the version check never refuses a page nobody else saved."""

    pole = located_pole("60333")
    KeyFigureFactory(pole=pole)
    MembershipFactory(pole=pole)
    CooperatorFactory(pole=pole, shares=3)
    Sector.objects.get_or_create(slug="secteur-de-test", defaults={"name": "Secteur de test"})
    editor(Role.TERRITORIAL)
    checked = []
    for model in registered_models():
        if model._meta.app_label not in {"poles", "members", "territories", "editors", "auth"}:
            continue
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        page = admin_client.get(url)
        assert page.status_code == 200, url
        if model._meta.label == "auth.Group":
            continue
        assert page.context["optimistic_lock"]["name"] == LOCK_FIELD, url
        response = admin_client.post(url, browser_form_data(page))
        assert response.status_code == 302, (url, form_errors(response))
        checked.append(opts.label)
    assert {"poles.Pole", "poles.KeyFigure", "members.Cooperator", "auth.User"} <= set(checked)
