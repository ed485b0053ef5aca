"""Full history: who changed what and when, diffs, revert, recovery of deletions, scoped."""

from decimal import Decimal

import pytest
import reversion
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from reversion.models import Version

from editors.history import model_of
from editors.models import EditorProfile
from poles.models import Membership, Pole
from territories.models import Region
from tests.admin_forms import change_form_data
from tests.factories import (
    CollegeFactory,
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    editor,
    located_pole,
)

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


@pytest.fixture
def national(client):
    user = editor(Role.NATIONAL, username="admin-national-test")
    client.force_login(user)
    return user


def versioned_pole(code="60333", **kwargs):
    """A synthetic pole with an initial revision, as the seed loader leaves them."""
    with reversion.create_revision():
        reversion.set_comment("Initial synthetic test data")
        pole = located_pole(code, **kwargs)
        MembershipFactory(pole=pole, note="adhésion de test")
        KeyFigureFactory(pole=pole, year=2023)
        reversion.add_to_revision(pole)
    return pole


def save_pole(client, pole, **changes):
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_history_records_who_when_and_what(client, national):
    pole = versioned_pole(name="Pôle de test ancien nom")
    save_pole(client, pole, name="Pôle de test nouveau nom")
    versions = Version.objects.get_for_object(pole)
    assert versions.count() == 2
    latest = versions.first()
    assert latest.revision.user == national
    assert latest.field_dict["name"] == "Pôle de test nouveau nom"
    history = client.get(reverse("admin:poles_pole_history", args=[pole.pk]))
    assert history.status_code == 200
    content = history.content.decode()
    assert "admin-national-test" in content
    diff_url = reverse("admin:poles_pole_version_diff", args=[pole.pk, latest.pk])
    assert diff_url in content
    diff = client.get(diff_url)
    assert diff.status_code == 200
    rows = {row["name"]: row for row in diff.context["changed_rows"]}
    assert rows["name"]["cells"][:2] == ["Pôle de test ancien nom", "Pôle de test nouveau nom"]
    assert "summary" not in rows  # unchanged fields are not listed
    assert 'data-field="name"' in diff.content.decode()


def test_revert_restores_the_old_values(client, national):
    pole = versioned_pole(name="Pôle de test version 1")
    first = Version.objects.get_for_object(pole).get()
    save_pole(client, pole, name="Pôle de test version 2", summary="Résumé de test modifié")
    url = reverse("admin:poles_pole_revision", args=[pole.pk, first.pk])
    page = client.get(url)
    assert page.status_code == 200
    # Viewing an old version changes nothing.
    assert Pole.objects.get(pk=pole.pk).name == "Pôle de test version 2"
    response = client.post(url, change_form_data(page))
    assert response.status_code == 302
    pole.refresh_from_db()
    assert pole.name == "Pôle de test version 1"
    assert pole.summary == "Pôle synthétique créé pour les tests."
    assert Version.objects.get_for_object(pole).count() == 3


def test_a_deleted_pole_is_recovered_with_its_members_and_figures(client, national):
    pole = versioned_pole(name="Pôle de test supprimé")
    pk = pole.pk
    response = client.post(reverse("admin:poles_pole_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Pole.objects.filter(pk=pk).exists()
    assert not Membership.objects.filter(pole_id=pk).exists()
    recover_list = client.get(reverse("admin:poles_pole_recoverlist"))
    assert recover_list.status_code == 200
    deleted = [
        version for version in recover_list.context["deleted"] if version.object_id == str(pk)
    ]
    assert len(deleted) == 1
    url = reverse("admin:poles_pole_recover", args=[deleted[0].pk])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, change_form_data(page))
    assert response.status_code == 302
    pole = Pole.objects.get(pk=pk)
    assert pole.name == "Pôle de test supprimé"
    assert pole.memberships.get().note == "adhésion de test"
    assert pole.figures.get().year == 2023


def test_a_structure_deleted_from_the_changelist_can_be_recovered(client, national):
    pole = versioned_pole()
    structure = pole.memberships.get().structure
    response = client.post(
        reverse("admin:poles_structure_changelist"),
        {"action": "delete_selected", "_selected_action": [structure.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not pole.memberships.exists()
    recover_list = client.get(reverse("admin:poles_structure_recoverlist"))
    version = next(v for v in recover_list.context["deleted"] if v.object_id == str(structure.pk))
    url = reverse("admin:poles_structure_recover", args=[version.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302
    assert pole.memberships.get().structure_id == structure.pk


def test_history_revert_and_recover_are_scoped(client):
    oise = versioned_pole("60333", name="Pôle de test Oise")
    marseille = versioned_pole("13055", name="Pôle de test Marseille")
    marseille_version = Version.objects.get_for_object(marseille).get()
    oise_version = Version.objects.get_for_object(oise).get()
    user = editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")])
    client.force_login(user)
    for url in [
        reverse("admin:poles_pole_history", args=[marseille.pk]),
        reverse("admin:poles_pole_revision", args=[marseille.pk, marseille_version.pk]),
        reverse("admin:poles_pole_version_diff", args=[marseille.pk, marseille_version.pk]),
        # Another object's version through this object's URL.
        reverse("admin:poles_pole_revision", args=[oise.pk, marseille_version.pk]),
        reverse("admin:poles_pole_version_diff", args=[oise.pk, marseille_version.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("admin:poles_pole_revision", args=[marseille.pk, marseille_version.pk]), {}
        ).status_code
        == 404
    )
    assert client.get(reverse("admin:poles_pole_history", args=[oise.pk])).status_code == 200
    assert (
        client.get(
            reverse("admin:poles_pole_version_diff", args=[oise.pk, oise_version.pk])
        ).status_code
        == 200
    )

    # Deleted poles: only the editor's own can be listed and recovered.
    Pole.objects.filter(pk=marseille.pk).delete()
    Pole.objects.filter(pk=oise.pk).delete()
    recover_list = client.get(reverse("admin:poles_pole_recoverlist"))
    assert recover_list.status_code == 200
    listed = {version.object_id for version in recover_list.context["deleted"]}
    assert str(oise.pk) in listed
    assert str(marseille.pk) not in listed
    url = reverse("admin:poles_pole_recover", args=[marseille_version.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x"}).status_code == 404
    assert not Pole.objects.filter(pk=marseille.pk).exists()
    # A version of another model through the pole's recover URL is refused too.
    membership_version = Version.objects.get_for_model(Membership).first()
    url = reverse("admin:poles_pole_recover", args=[membership_version.pk])
    assert client.get(url).status_code == 404


def test_publish_action_logs_each_pole_and_stays_in_scope(client):
    oise = located_pole("60333", is_published=False)
    beauvais = located_pole("60057", is_published=False)
    marseille = located_pole("13055", is_published=False)
    user = editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")])
    client.force_login(user)
    response = client.post(
        reverse("admin:poles_pole_changelist"),
        {"action": "publish", "_selected_action": [oise.pk, beauvais.pk, marseille.pk]},
    )
    assert response.status_code == 302
    assert set(Pole.objects.filter(is_published=True)) == {oise, beauvais}
    entries = LogEntry.objects.filter(user=user, action_flag=CHANGE)
    assert sorted(int(entry.object_id) for entry in entries) == sorted([oise.pk, beauvais.pk])
    # The action is in each pole's history too.
    assert Version.objects.get_for_object(oise).first().field_dict["is_published"] is True
    response = client.post(
        reverse("admin:poles_pole_changelist"),
        {"action": "unpublish", "_selected_action": [oise.pk]},
    )
    oise.refresh_from_db()
    assert oise.is_published is False
    assert LogEntry.objects.filter(user=user, object_id=str(oise.pk)).count() == 2


# The logo's files are not in the history ---------------------------------------------


def _png(color) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 200), color).save(buffer, "PNG")
    return buffer.getvalue()


def _logo(pole, color, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from poles.images import set_pole_logo

    with django_capture_on_commit_callbacks(execute=True):
        set_pole_logo(pole=pole, upload=SimpleUploadedFile("logo.png", _png(color), "image/png"))
    pole.refresh_from_db()
    return pole.logo.name, pole.logo_small.name


def test_reverting_a_pole_keeps_its_current_logo(
    client, national, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = str(tmp_path / "media")
    pole = versioned_pole(name="Pôle de test logo v1")
    old_logo, old_small = _logo(pole, "red", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        save_pole(client, pole, name="Pôle de test logo v2")
    with_old_logo = Version.objects.get_for_object(pole).order_by("-pk").first()
    # The version names the old logo's files (for a recovery), deleted since.
    assert with_old_logo.field_dict["logo"] == old_logo
    new_logo, new_small = _logo(pole, "blue", django_capture_on_commit_callbacks)
    assert not default_storage.exists(old_logo) and not default_storage.exists(old_small)

    # The diff view does not list the logo as a change.
    diff = client.get(reverse("admin:poles_pole_version_diff", args=[pole.pk, with_old_logo.pk]))
    assert diff.status_code == 200
    assert "logo" not in {row["name"] for row in diff.context["rows"]}

    for version in Version.objects.get_for_object(pole):
        url = reverse("admin:poles_pole_revision", args=[pole.pk, version.pk])
        page = client.get(url)
        assert page.status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, change_form_data(page))
        assert response.status_code == 302
        pole.refresh_from_db()
        assert (pole.logo.name, pole.logo_small.name) == (new_logo, new_small)
        assert (pole.logo_small_width, pole.logo_small_height) == (160, 80)
        assert default_storage.exists(new_logo) and default_storage.exists(new_small)
    assert pole.name == "Pôle de test logo v1"


def test_a_version_naming_deleted_logo_files_does_not_bring_them_back(
    client, national, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Versions saved before the logo left the history still name its old files."""
    import json

    settings.MEDIA_ROOT = str(tmp_path / "media")
    pole = versioned_pole(name="Pôle de test logo supprimé")
    logo, _small = _logo(pole, "green", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:poles_pole_delete", args=[pole.pk]), {"post": "yes"})
    assert response.status_code == 302
    deleted = next(
        v
        for v in client.get(reverse("admin:poles_pole_recoverlist")).context["deleted"]
        if v.object_id == str(pole.pk)
    )
    # As an older version would: naming logo files deleted since (a replaced logo).
    data = json.loads(deleted.serialized_data)
    assert data[0]["fields"]["logo"] == logo  # the snapshot names the files, kept
    data[0]["fields"].update(logo="poles/logos/gone.png", logo_small="poles/logos/gone-160.png")
    Version.objects.filter(pk=deleted.pk).update(serialized_data=json.dumps(data))
    url = reverse("admin:poles_pole_recover", args=[deleted.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302
    recovered = Pole.objects.get(pk=pole.pk)
    assert recovered.name == "Pôle de test logo supprimé"
    # Files gone: the recovered pole has no logo, not a broken one.
    assert not recovered.logo and not recovered.logo_small
    assert recovered.logo_small_width is None
    assert client.get(recovered.get_absolute_url()).status_code == 200


def test_reverting_one_pole_leaves_the_others_of_its_revision_alone(client):
    """A revision may hold several poles (an action on many, an import file): reverting
    one of them restores that pole and its own inlines, nothing of the others — which
    may be outside the editor's scope."""
    with reversion.create_revision():
        oise = located_pole("60333", name="Pôle de test Oise v1")
        marseille = located_pole("13055", name="Pôle de test Marseille v1")
        KeyFigureFactory(pole=oise, year=2022)
        KeyFigureFactory(pole=marseille, year=2022)
    shared = Version.objects.get_for_object(oise).get()
    assert Version.objects.get_for_object(marseille).get().revision == shared.revision
    # Later edits of both poles, each with a new key figure.
    with reversion.create_revision():
        Pole.objects.filter(pk=marseille.pk).update(name="Pôle de test Marseille v2")
        marseille.refresh_from_db()
        reversion.add_to_revision(marseille)
        KeyFigureFactory(pole=marseille, year=2023)
        oise.name = "Pôle de test Oise v2"
        oise.save()
        KeyFigureFactory(pole=oise, year=2023)

    client.force_login(editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")]))
    url = reverse("admin:poles_pole_revision", args=[oise.pk, shared.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302

    oise.refresh_from_db()
    assert oise.name == "Pôle de test Oise v1"
    assert list(oise.figures.values_list("year", flat=True)) == [2022]
    # Marseille, outside the editor's scope, is untouched: its name and its new figure.
    marseille.refresh_from_db()
    assert marseille.name == "Pôle de test Marseille v2"
    assert sorted(marseille.figures.values_list("year", flat=True)) == [2022, 2023]


def test_recovering_one_pole_of_a_bulk_deletion_recovers_only_that_pole(client, national):
    oise = versioned_pole("60333", name="Pôle de test Oise supprimé")
    marseille = versioned_pole("13055", name="Pôle de test Marseille supprimé")
    response = client.post(
        reverse("admin:poles_pole_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [oise.pk, marseille.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Pole.objects.filter(pk__in=[oise.pk, marseille.pk]).exists()
    deleted = {
        version.object_id: version
        for version in client.get(reverse("admin:poles_pole_recoverlist")).context["deleted"]
    }
    url = reverse("admin:poles_pole_recover", args=[deleted[str(oise.pk)].pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302
    assert Pole.objects.get(pk=oise.pk).memberships.get().note == "adhésion de test"
    assert not Pole.objects.filter(pk=marseille.pk).exists()


def shown(value) -> str:
    """A stored value as typed in the form (12.00 → "12")."""
    if isinstance(value, Decimal):
        return f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"
    return str(value)


@pytest.mark.parametrize(
    ("admin_name", "make", "field", "old", "new"),
    [
        (
            "poles_keyfigure",
            lambda pole: KeyFigureFactory(pole=pole, year=2023, etp=10),
            "etp",
            "10",
            "12",
        ),
        (
            "poles_membership",
            lambda pole: MembershipFactory(pole=pole, note="note de test v1"),
            "note",
            "note de test v1",
            "note de test v2",
        ),
        (
            "members_college",
            lambda pole: CollegeFactory(pole=pole, name="Collège de test v1"),
            "name",
            "Collège de test v1",
            "Collège de test v2",
        ),
        (
            "members_cooperator",
            lambda pole: CooperatorFactory(pole=pole, name="Coopérateur de test v1"),
            "name",
            "Coopérateur de test v1",
            "Coopérateur de test v2",
        ),
    ],
)
def test_each_pole_record_has_a_history_a_diff_and_a_revert(
    client, national, admin_name, make, field, old, new
):
    pole = located_pole("60333")
    with reversion.create_revision():
        record = make(pole)
    first = Version.objects.get_for_object(record).get()
    url = reverse(f"admin:{admin_name}_change", args=[record.pk])
    data = change_form_data(client.get(url))
    data[field] = new
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record.refresh_from_db()
    assert shown(getattr(record, field)) == new

    history = client.get(reverse(f"admin:{admin_name}_history", args=[record.pk]))
    assert history.status_code == 200
    assert "admin-national-test" in history.content.decode()
    diff = client.get(reverse(f"admin:{admin_name}_version_diff", args=[record.pk, first.pk]))
    assert diff.status_code == 200
    assert new in diff.content.decode()

    revision_url = reverse(f"admin:{admin_name}_revision", args=[record.pk, first.pk])
    response = client.post(revision_url, change_form_data(client.get(revision_url)))
    assert response.status_code == 302
    record.refresh_from_db()
    assert shown(getattr(record, field)) == old


# Recovery and revert: only deleted records, within scope, never a crash, never silent -----


def messages_of(response) -> list[str]:
    from django.contrib.messages import get_messages

    return [str(message) for message in get_messages(response.wsgi_request)]


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def no_dangling_rows():
    """Every foreign key of the stored rows points at a row (deferred checks forced now)."""
    from django.db import connection

    connection.check_constraints()


def test_recovering_a_structure_is_judged_by_its_own_memberships(client, national):
    """A national administrator bulk-deletes an Oise and a Marseille structure: a
    Hauts-de-France editor may recover the Oise one only."""
    from poles.models import Structure

    oise = versioned_pole("60333", name="Pôle de test Oise")
    marseille = versioned_pole("13055", name="Pôle de test Marseille")
    oise_structure = oise.memberships.get().structure
    marseille_structure = marseille.memberships.get().structure
    response = client.post(
        reverse("admin:poles_structure_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [oise_structure.pk, marseille_structure.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Structure.objects.filter(pk__in=[oise_structure.pk, marseille_structure.pk])
    deleted = {version.object_id: version for version in Version.objects.get_deleted(Structure)}

    english(client).force_login(editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")]))
    listed = {
        version.object_id
        for version in client.get(reverse("admin:poles_structure_recoverlist")).context["deleted"]
    }
    assert listed == {str(oise_structure.pk)}
    url = reverse("admin:poles_structure_recover", args=[deleted[str(marseille_structure.pk)].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x"}).status_code == 404
    assert not Structure.objects.filter(pk=marseille_structure.pk).exists()
    assert not marseille.memberships.exists()

    url = reverse("admin:poles_structure_recover", args=[deleted[str(oise_structure.pk)].pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302
    assert oise.memberships.get().structure_id == oise_structure.pk
    assert not marseille.memberships.exists()


def test_recover_refuses_a_record_that_is_not_deleted(client, national):
    """A pole moved from Oise to Marseille: the Hauts-de-France editor cannot pull its old
    version back through "recover"; nobody can "recover" a record that exists."""
    pole = versioned_pole("60333", name="Pôle de test déménagé")
    old = Version.objects.get_for_object(pole).get()
    marseille = Pole._meta.get_field("seat_commune").related_model.objects.get(code="13055")
    save_pole(
        client,
        pole,
        seat_commune="13055",
        latitude=marseille.latitude,
        longitude=marseille.longitude,
    )
    url = reverse("admin:poles_pole_recover", args=[old.pk])

    english(client).force_login(editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")]))
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Pôle de test déménagé"}).status_code == 404
    pole.refresh_from_db()
    assert pole.seat_commune_id == "13055"

    # In scope, but not deleted: a clear message pointing at the history, nothing changed.
    client.force_login(national)
    for response in (client.get(url), client.post(url, {"name": "x"})):
        assert response.status_code == 302
        assert response.url == reverse("admin:poles_pole_history", args=[pole.pk])
        assert any("is not deleted" in text for text in messages_of(response))
    pole.refresh_from_db()
    assert pole.seat_commune_id == "13055"
    assert Version.objects.get_for_object(pole).count() == 2


def test_revert_skips_the_rows_whose_structure_was_deleted(client, national):
    """Delete a member structure, then revert its pole: the pole comes back as it was,
    the membership of the deleted structure is reported as not restorable, and no row
    points at a missing record (the revert used to fail on the foreign key, after saying
    it had succeeded)."""
    pole = versioned_pole(name="Pôle de test v1")
    first = Version.objects.get_for_object(pole).get()
    structure = pole.memberships.get().structure
    save_pole(client, pole, name="Pôle de test v2")
    response = client.post(
        reverse("admin:poles_structure_delete", args=[structure.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not pole.memberships.exists()

    url = reverse("admin:poles_pole_revision", args=[pole.pk, first.pk])
    page = english(client).get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-revert-plan="skipped"' in content
    assert "its structure was deleted" in content
    response = client.post(url, change_form_data(page))
    assert response.status_code == 302
    texts = messages_of(response)
    assert any("could not be restored" in text for text in texts), texts
    pole.refresh_from_db()
    assert pole.name == "Pôle de test v1"
    assert not pole.memberships.exists()
    assert pole.figures.get().year == 2023
    no_dangling_rows()


def test_a_revert_that_would_leave_a_dangling_row_is_refused():
    """Whatever slips past the plan, the revert checks the foreign keys before it ends
    (they are deferred on SQLite and PostgreSQL, so a save alone does not fail): a
    RevertError with a clear message, and nothing stored."""
    from reversion.errors import RevertError

    from editors.history import revert_versions

    pole = versioned_pole(name="Pôle de test v1")
    first = Version.objects.get_for_object(pole).get()
    membership = pole.memberships.get()
    membership_version = next(
        version for version in first.revision.version_set.all() if model_of(version) is Membership
    )
    membership.structure.delete()
    with pytest.raises(RevertError, match="missing record"):
        revert_versions([membership_version])
    assert not Membership.objects.filter(pk=membership.pk).exists()
    no_dangling_rows()


def test_the_revert_page_lists_what_it_will_add_change_and_delete(client, national):
    """Reverting a pole deletes the cooperators added since: the page says so before the
    editor confirms, and a confirmation for another plan (the records changed meanwhile)
    is refused."""
    pole = versioned_pole(name="Pôle de test v1")
    first = Version.objects.get_for_object(pole).get()
    figure = pole.figures.get()
    save_pole(client, pole, name="Pôle de test v2")
    CooperatorFactory(pole=pole, name="Coopérateur de test ajouté depuis")
    figure.etp = 99
    figure.save()
    url = reverse("admin:poles_pole_revision", args=[pole.pk, first.pk])
    page = english(client).get(url)
    assert page.status_code == 200
    content = page.content.decode()
    plan = page.context["revert_plan"]
    deleted = [str(item["label"]) for item in plan["delete"]]
    assert any("Coopérateur de test ajouté depuis" in label for label in deleted), deleted
    changed = {str(item["label"]): item["fields"] for item in plan["change"]}
    assert any("name" in str(fields) for fields in changed.values()), changed
    assert 'data-revert-plan="delete"' in content
    assert "Coopérateur de test ajouté depuis" in content

    # A POST without the plan it confirms (an old page, a script) changes nothing.
    data = change_form_data(page)
    data.pop(plan["name"])
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url == url
    assert any("confirm" in text for text in messages_of(response))
    assert pole.cooperators.count() == 1
    pole.refresh_from_db()
    assert pole.name == "Pôle de test v2"

    # The plan changed after the page was shown: refused, shown again.
    page = client.get(url)
    data = change_form_data(page)
    CooperatorFactory(pole=pole, name="Coopérateur de test ajouté pendant")
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == url
    assert pole.cooperators.count() == 2

    page = client.get(url)
    assert "Coopérateur de test ajouté pendant" in page.content.decode()
    response = client.post(url, change_form_data(page))
    assert response.status_code == 302
    assert not pole.cooperators.exists()
    pole.refresh_from_db()
    assert pole.name == "Pôle de test v1"
    figure.refresh_from_db()
    assert figure.etp != 99


@pytest.mark.parametrize("how", ["delete_view", "bulk_action"])
def test_a_recovered_pole_gets_its_photos_and_logo_back(
    client, national, settings, tmp_path, django_capture_on_commit_callbacks, how
):
    """Deleting a pole keeps its files (its recovery needs them); recovering it brings
    back its logo and its photos, files included."""
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from poles.images import save_pole_photo
    from poles.models import PolePhoto

    settings.MEDIA_ROOT = str(tmp_path / "media")
    pole = versioned_pole(name="Pôle de test avec photos")
    pk = pole.pk
    logo, small = _logo(pole, "red", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        photo = save_pole_photo(
            photo=PolePhoto(pole=pole, alt_text="Photo de test"),
            upload=SimpleUploadedFile("photo.png", _png("green"), "image/png"),
        )
    photo_files = [photo.image.name, photo.image_page.name, photo.image_popup.name]
    with django_capture_on_commit_callbacks(execute=True):
        if how == "delete_view":
            response = client.post(reverse("admin:poles_pole_delete", args=[pk]), {"post": "yes"})
        else:
            response = client.post(
                reverse("admin:poles_pole_changelist"),
                {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
            )
    assert response.status_code == 302
    assert not Pole.objects.filter(pk=pk).exists()
    assert not PolePhoto.objects.filter(pk=photo.pk).exists()
    for name in (logo, small, *photo_files):
        assert default_storage.exists(name), name

    version = Version.objects.get_deleted(Pole).get(object_id=str(pk))
    url = reverse("admin:poles_pole_recover", args=[version.pk])
    page = english(client).get(url)
    assert page.status_code == 200
    added = [str(item["label"]) for item in page.context["revert_plan"]["add"]]
    assert any("Photo de test" in label for label in added), added
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, change_form_data(page))
    assert response.status_code == 302
    recovered = Pole.objects.get(pk=pk)
    assert (recovered.logo.name, recovered.logo_small.name) == (logo, small)
    restored = recovered.photos.get()
    assert restored.alt_text == "Photo de test"
    assert [restored.image.name, restored.image_page.name, restored.image_popup.name] == (
        photo_files
    )
    for name in (logo, small, *photo_files):
        assert default_storage.exists(name), name
    assert client.get(recovered.get_absolute_url()).status_code == 200
