"""`purge_unreferenced_media`: a deleted pole's files stay while its history can bring it
back, and go once nothing — no row, no version — names them."""

import os
import time
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Version

from editors.models import EditorProfile
from tests.editors.test_admin_history import _logo, versioned_pole
from tests.factories import editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(client):
    user = editor(EditorProfile.Role.NATIONAL, username="admin-national-purge")
    client.force_login(user)
    return user


def purge(*args):
    out = StringIO()
    call_command("purge_unreferenced_media", "--min-age-hours=0", *args, stdout=out)
    return out.getvalue()


def test_files_of_a_deleted_pole_go_only_when_its_history_is_gone(
    client,
    national,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    kept = versioned_pole(name="Pôle de test gardé")
    kept_files = _logo(kept, "blue", django_capture_on_commit_callbacks)
    deleted = versioned_pole("13055", name="Pôle de test supprimé")
    deleted_files = _logo(deleted, "red", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:poles_pole_delete", args=[deleted.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    stray = default_storage.save("poles/logos/stray.png", ContentFile(b"not named"))

    # The deletion snapshot names the deleted pole's files: a recovery needs them.
    assert purge("--dry-run").splitlines()[:-1] == [stray]
    assert default_storage.exists(stray)
    assert purge().splitlines()[:-1] == [stray]
    assert not default_storage.exists(stray)
    for name in (*kept_files, *deleted_files):
        assert default_storage.exists(name)

    # Once the history of the deleted pole is deleted, its files go; the others stay.
    Version.objects.filter(object_id=str(deleted.pk), content_type__model="pole").delete()
    assert sorted(purge().splitlines()[:-1]) == sorted(deleted_files)
    for name in deleted_files:
        assert not default_storage.exists(name)
    for name in kept_files:
        assert default_storage.exists(name)


def test_a_recent_file_is_spared(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    recent = default_storage.save("poles/logos/uploading.png", ContentFile(b"x"))
    old = default_storage.save("poles/logos/old.png", ContentFile(b"x"))
    two_days_ago = time.time() - 2 * 86400
    os.utime(default_storage.path(old), (two_days_ago, two_days_ago))

    out = StringIO()
    call_command("purge_unreferenced_media", stdout=out)
    assert out.getvalue().splitlines()[:-1] == [old]
    assert default_storage.exists(recent)
    assert not default_storage.exists(old)
