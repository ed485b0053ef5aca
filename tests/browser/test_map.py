"""The maps: markers from /poles.geojson, clusters, popups, tiles mocked."""

import re

import pytest

from .helpers import expect_markers, wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_home_map_shows_every_published_pole_with_coordinates(page, site, network):
    page.goto("/")
    wait_for_map(page)
    assert len(site.mapped_poles) == 11
    expect_markers(page, len(site.mapped_poles))
    # Tiles were asked for, and answered by the mock (never the network).
    assert network.tiles
    # The map has an accessible name and the list of poles stays on the page.
    assert page.locator("[data-ptce-map]").get_attribute("aria-label")
    assert page.locator("#all-poles + ul li").count() == 13
    # Overseas zones are one click away.
    page.get_by_role("button", name="Mayotte").click()
    page.wait_for_function(
        "() => document.querySelector('[data-ptce-map]').ptceMap.map.getCenter().lat < -12"
    )


def test_clicking_a_marker_opens_a_popup_linking_to_the_pole(page, site):
    page.goto("/")
    wait_for_map(page)
    marker = page.locator('.leaflet-marker-icon.ptce-marker[title="Bou\'Sol"]')
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Bou'Sol" in popup.inner_text()
    assert "Marseille" in popup.inner_text()
    popup.locator("a.ptce-popup__more").click()
    page.wait_for_url(re.compile(r"/poles/bou-sol/$"))
    assert page.locator("h1").inner_text() == "Bou'Sol"


def test_pole_page_shows_its_seat_on_a_small_map(page):
    page.goto("/poles/ptce-pays-de-bray/")
    page.locator("[data-ptce-map] .leaflet-marker-icon.ptce-marker").wait_for()
    assert page.locator("[data-ptce-map] .leaflet-marker-icon").count() == 1


def test_territory_map_uses_the_territory_filter(page):
    page.goto("/territoires/hauts-de-france/")
    wait_for_map(page)
    # Pays de Bray (Oise) and Initiatives et Cité (Lille).
    expect_markers(page, 2)
