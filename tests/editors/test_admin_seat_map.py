"""The seat map of the pole form, without a browser: the widget and its JSON endpoint.

The browser test (tests/browser/test_admin_seat_map.py) drives the map itself.
"""

import json

import pytest
from django.urls import reverse

from tests.factories import PoleFactory

pytestmark = pytest.mark.django_db

URL = "admin:poles_pole_commune_coordinates"


def test_the_endpoint_gives_a_communes_coordinates(staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = staff_client.get(reverse(URL), {"code": "60333"})
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["code"] == "60333"
    assert data["name"] == "Lachapelle-aux-Pots"
    assert 49 < data["lat"] < 50 and 1 < data["lng"] < 3


@pytest.mark.parametrize("code", ["", "99999", "6033", "' OR 1=1 --", "x" * 500])
def test_unknown_or_malformed_codes_get_a_404_not_an_error(staff_client, code):
    response = staff_client.get(reverse(URL), {"code": code})
    assert response.status_code == 404
    assert "error" in json.loads(response.content)


def test_the_endpoint_is_for_staff_only(client, django_user_model):
    response = client.get(reverse(URL), {"code": "60333"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    user = django_user_model.objects.create_user("visitor", password="pw-test-123")
    client.force_login(user)
    assert client.get(reverse(URL), {"code": "60333"}).status_code == 302


def test_staff_without_pole_permissions_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw-test-123", is_staff=True)
    client.force_login(user)
    assert client.get(reverse(URL), {"code": "60333"}).status_code == 403


def test_the_change_form_carries_the_map_and_its_configuration(staff_client, settings):
    pole = PoleFactory(latitude="49.43000", longitude="1.09000")
    response = staff_client.get(reverse("admin:poles_pole_change", args=[pole.pk]))
    content = response.content.decode()
    # Leaflet from django-leaflet's static files, never a CDN.
    assert "/static/leaflet/leaflet.js" in content
    assert "/static/leaflet/leaflet.css" in content
    assert "/static/poles/js/admin_seat_map.js" in content
    assert 'data-seat-map="id_longitude_seat_map_config"' in content
    # The inputs stay, with their values: the map is an addition.
    assert 'name="latitude"' in content and 'value="49.43000"' in content
    script = content.split('id="id_longitude_seat_map_config"', 1)[1]
    script = script.split(">", 1)[1].split("</script>")[0]
    config = json.loads(script)
    assert config["tiles"]["url"] == settings.LEAFLET_CONFIG["TILES"][0][1]
    assert config["icon"]["iconUrl"] == "/static/leaflet/images/marker-icon.png"
    assert config["communeUrl"] == reverse(URL)
    assert config["latitudeInput"] == "id_latitude"
    assert config["communeInput"] == "id_seat_commune"
