"""No lost update (optimistic locking) and no password guessing (django-axes lockout)."""

import time

import pytest
import reversion
from django.urls import reverse

from editors.forms import LOCK_FIELD
from editors.models import EditorProfile
from poles.models import Pole, Structure
from tests.admin_forms import change_form_data
from tests.factories import StructureFactory, editor, located_pole

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


def saved_meanwhile(obj, user, **changes):
    """Another editor saves the record (as the admin would: with a revision)."""
    time.sleep(0.001)  # a later updated_at, even on a coarse clock
    fresh = type(obj).objects.get(pk=obj.pk)
    with reversion.create_revision():
        reversion.set_user(user)
        for name, value in changes.items():
            setattr(fresh, name, value)
        fresh.save()


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
    message = " ".join(form.non_field_errors())
    assert "editeur-test-premier" in message
    assert "after you opened this page" in message
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
    assert client.post(url, data).status_code == 302
    assert Pole.objects.get(pk=pole.pk).summary == "Résumé de test modifié"


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
