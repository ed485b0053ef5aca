"""A NUL character in a submitted form value is a 400, never a 500, on either database;
nothing is stored (the admin's autocomplete widgets and PostgreSQL's text types could not
take it)."""

import pytest
from django.urls import reverse

from editors.models import EditorProfile
from tests.admin_forms import change_form_data
from tests.factories import editor, located_pole

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [("legal_form", "1\x00"), ("sectors", "1\x00"), ("seat_commune", "60\x00"), ("name", "X\x00")],
)
def test_a_nul_in_the_pole_form_is_a_bad_request(client, field, value):
    pole = located_pole("60333", name="Pôle de test NUL")
    client.force_login(editor(EditorProfile.Role.NATIONAL))
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    data[field] = value
    response = client.post(url, data)
    assert response.status_code == 400
    pole.refresh_from_db()
    assert pole.name == "Pôle de test NUL"
    assert pole.seat_commune_id == "60333"


def test_a_nul_in_the_login_form_is_a_bad_request(client):
    response = client.post(reverse("admin:login"), {"username": "a\x00", "password": "x"})
    assert response.status_code == 400
