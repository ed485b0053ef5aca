"""The staff admin's site: its list of apps and models, remembered per set of
permissions (editors.sites), is the one Django builds at every request."""

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from editors.models import EditorProfile
from editors.sites import StaffAdminSite
from territories.models import Region
from tests.factories import editor

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


def djangos_app_list(request):
    return AdminSite.get_app_list(admin.site, request)


def app_list(rf, user, language="fr"):
    request = rf.get("/admin/")
    request.user = user
    with translation.override(language):
        ours, djangos = admin.site.get_app_list(request), djangos_app_list(request)
        # Compared in the language they were built in (their names are lazy).
        assert ours == djangos
        return ours, [(app["app_label"], str(app["name"])) for app in ours]


def models(app_list):
    return {model["object_name"] for app in app_list for model in app["models"]}


def test_the_default_site_is_the_staff_site():
    assert isinstance(admin.site, StaffAdminSite)


def test_the_app_list_is_djangos_for_each_editor_and_language(rf):
    national = editor(Role.NATIONAL)
    territorial = editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")])
    seen = {}
    for _ in range(2):  # built, then remembered
        for role, user in (("national", national), ("territorial", territorial)):
            for language in ("fr", "en"):
                listed, names = app_list(rf, user, language)
                seen[role, language] = (models(listed), names)
    assert seen["national", "fr"][1] != seen["national", "en"][1]
    # National administrators see the editors' profiles; territorial editors do not.
    assert "EditorProfile" in seen["national", "fr"][0]
    assert "EditorProfile" not in seen["territorial", "fr"][0]
    assert "Pole" in seen["territorial", "fr"][0]


def test_a_permission_given_shows_at_the_next_request(rf):
    user = editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")])
    before, _ = app_list(rf, user)
    assert "User" not in models(before)
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    user = get_user_model().objects.get(pk=user.pk)  # as the next request reads it
    after, _ = app_list(rf, user)
    assert "User" in models(after)
    user_model = next(m for a in after for m in a["models"] if m["object_name"] == "User")
    assert user_model["admin_url"] == reverse("admin:auth_user_changelist")
    assert user_model["view_only"] is True


def test_a_caller_changing_its_list_changes_no_other(rf):
    user = editor(Role.NATIONAL)
    first, _ = app_list(rf, user)
    first[0]["models"][0]["perms"]["change"] = "changed"
    first[0]["models"].clear()
    first.clear()
    app_list(rf, user)  # still Django's


def test_an_app_page_lists_its_own_models(client):
    client.force_login(editor(Role.NATIONAL))
    response = client.get(reverse("admin:app_list", kwargs={"app_label": "poles"}))
    assert response.status_code == 200
    listed = {
        model["object_name"] for app in response.context["app_list"] for model in app["models"]
    }
    assert "Pole" in listed
    assert "Region" not in listed
    assert reverse("admin:poles_pole_changelist") in response.content.decode()
