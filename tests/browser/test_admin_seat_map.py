"""The seat map of the pole's admin form: click, drag or type, and the row stores it.

Uses the fixtures of tests/browser/conftest.py (Chromium, live server, blocked network):
the records made here are committed, as the live server runs in another thread, and
removed again at the end of the module.
"""

from decimal import Decimal

import pytest

from poles.models import Pole
from territories.models import Commune

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "pw-browser-seat-map-123"
MAP = ".seat-map-canvas"

MARKER_LATLNG = """
() => {
  const root = document.querySelector("[data-seat-map]");
  const marker = root.seatMap.marker();
  if (!marker) return null;
  const latlng = marker.getLatLng();
  return [latlng.lat, latlng.lng];
}
"""


@pytest.fixture(scope="module")
def records(site, django_db_blocker):
    """A superuser and one pole per test, committed: the live server's thread must see
    them, on PostgreSQL too (the tests' own transaction is invisible to it)."""
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock():
        user = get_user_model().objects.create_superuser(
            "seat-map-admin", "seat-map-admin@example.org", PASSWORD
        )
        poles = {
            key: Pole.objects.create(name=f"Pôle de test du plan {key}", slug=f"plan-{key}", **kw)
            for key, kw in {
                "empty": {},
                "placed": {"latitude": Decimal("48.85000"), "longitude": Decimal("2.35000")},
                "commune": {},
            }.items()
        }
    yield {"user": user, **poles}
    with django_db_blocker.unblock():
        Pole.objects.filter(pk__in=[pole.pk for pole in poles.values()]).delete()
        user.delete()


@pytest.fixture
def admin_page(page, records):
    page.goto("/admin/login/")
    page.fill("#id_username", records["user"].username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    return page


def open_change_form(page, pole):
    page.goto(f"/admin/poles/pole/{pole.pk}/change/")
    # The seat's section is folded on the change form: open it, as an editor does.
    page.locator("fieldset:has(#id_latitude) summary").click()
    page.locator(f"{MAP}.leaflet-container").wait_for()


def stored(pole) -> tuple:
    pole.refresh_from_db()
    return pole.latitude, pole.longitude


def save(page):
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0, page.locator(".errorlist").all_inner_texts()


def test_clicking_the_map_sets_the_coordinates_and_saving_stores_them(admin_page, records, network):
    page = admin_page
    pole = records["empty"]
    open_change_form(page, pole)
    assert page.input_value("#id_latitude") == ""
    assert page.evaluate(MARKER_LATLNG) is None
    assert network.tiles  # tiles were requested, and answered by the mock

    # The map opens on France: its centre is in France, so the seat is valid.
    page.locator(MAP).click()
    page.wait_for_function("() => document.querySelector('#id_latitude').value !== ''")
    lat = float(page.input_value("#id_latitude"))
    lng = float(page.input_value("#id_longitude"))
    assert 41 < lat < 52 and -5 < lng < 10
    marker_lat, marker_lng = page.evaluate(MARKER_LATLNG)
    assert round(marker_lat, 5) == lat and round(marker_lng, 5) == lng
    assert page.locator(".seat-map-status").inner_text()  # announced to screen readers

    save(page)
    assert stored(pole) == (
        Decimal(f"{lat:.5f}"),
        Decimal(f"{lng:.5f}"),
    )


def test_typing_coordinates_moves_the_marker_and_dragging_it_updates_them(admin_page, records):
    page = admin_page
    pole = records["placed"]
    open_change_form(page, pole)
    assert page.evaluate(MARKER_LATLNG) == [48.85, 2.35]

    # Typing: the inputs stay the real fields, the marker follows them.
    page.fill("#id_latitude", "49.43000")
    page.fill("#id_longitude", "1.09000")
    page.wait_for_function(
        "() => document.querySelector('[data-seat-map]').seatMap.marker().getLatLng().lat === 49.43"
    )
    assert page.evaluate(MARKER_LATLNG) == [49.43, 1.09]

    # Dragging the marker writes the inputs.
    marker = page.locator(f"{MAP} .leaflet-marker-icon")
    marker.scroll_into_view_if_needed()
    page.wait_for_timeout(400)  # let the map's re-centring animation end
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y + 20, steps=8)
    page.mouse.move(x + 60, y + 40, steps=8)
    page.mouse.up()
    page.wait_for_function("() => document.querySelector('#id_latitude').value !== '49.43000'")
    lat = float(page.input_value("#id_latitude"))
    lng = float(page.input_value("#id_longitude"))
    assert lat < 49.43 and lng > 1.09  # moved south-east
    marker_lat, marker_lng = page.evaluate(MARKER_LATLNG)
    assert abs(marker_lat - lat) < 1e-5 and abs(marker_lng - lng) < 1e-5

    save(page)
    assert stored(pole) == (Decimal(f"{lat:.5f}"), Decimal(f"{lng:.5f}"))


def test_choosing_a_commune_places_the_seat_there(admin_page, records):
    page = admin_page
    commune = Commune.objects.get(code="60333")  # Lachapelle-aux-Pots
    pole = records["commune"]
    open_change_form(page, pole)

    # The admin's autocomplete (select2): type, then pick the commune.
    page.locator(".field-seat_commune .select2-selection").click()
    page.locator(".select2-search--dropdown .select2-search__field").fill("Lachapelle-aux-P")
    page.locator(".select2-results__option", has_text="Lachapelle-aux-Pots").first.click()
    page.wait_for_function("() => document.querySelector('#id_latitude').value !== ''")
    assert Decimal(page.input_value("#id_latitude")) == commune.latitude
    assert Decimal(page.input_value("#id_longitude")) == commune.longitude
    assert "Lachapelle-aux-Pots" in page.locator(".seat-map-status").inner_text()

    # A seat already placed is not moved by the commune…
    page.fill("#id_latitude", "49.50000")
    page.fill("#id_longitude", "1.80000")
    save(page)
    assert stored(pole) == (Decimal("49.50000"), Decimal("1.80000"))

    # …unless asked for, with the button.
    open_change_form(page, pole)
    button = page.locator("button[data-seat-map-commune]")
    assert button.inner_text() in {"Placer à la commune", "Place at the commune"}
    button.click()
    page.wait_for_function("() => document.querySelector('#id_latitude').value !== '49.50000'")
    assert Decimal(page.input_value("#id_latitude")) == commune.latitude
    assert page.evaluate(MARKER_LATLNG) == [float(commune.latitude), float(commune.longitude)]
    save(page)
    assert stored(pole) == (commune.latitude, commune.longitude)
