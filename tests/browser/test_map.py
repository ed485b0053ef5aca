"""The maps: markers from the maps' feed (/poles/carte.json), clusters, popups, tiles mocked."""

import json
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from poles.models import Pole, PoleCoverage

from .helpers import expect_markers, wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_home_map_shows_every_published_pole_with_coordinates(page, site, network):
    page.goto("/")
    wait_for_map(page)
    expect_markers(page, len(site.mapped_poles))
    # The seed poles without coordinates are said to be in the list only.
    located = len(site.mapped_poles) + len(site.closed_located_poles)
    unlocated = Pole.objects.published().count() - located
    assert unlocated > 1
    status = page.locator("[data-ptce-map] ~ .map-status").inner_text()
    assert f"{len(site.mapped_poles)} pôles affichés sur la carte" in status
    assert f"{unlocated} pôles sans localisation" in status
    # The home page has no list: its map links to the directory's.
    assert page.locator(".map-status a.map-status__list").get_attribute("href") == "/poles/"
    # Tiles were asked for, and answered by the mock (never the network).
    assert network.tiles
    # The map has an accessible name; the page lists a bounded number of recently
    # updated poles (the map shows them all, the entry points lead to every list).
    assert page.locator("[data-ptce-map]").get_attribute("aria-label")
    assert 0 < page.locator("#recent-poles + ul li").count() <= 8
    # Overseas zones where poles are, one click away (and only those).
    page.get_by_role("button", name="La Réunion").click()
    page.wait_for_function(
        "() => document.querySelector('[data-ptce-map]').ptceMap.map.getCenter().lat < -19"
    )
    assert page.get_by_role("button", name="Mayotte").count() == 0


def test_clicking_a_marker_opens_a_popup_linking_to_the_pole(page, site):
    page.goto("/")
    wait_for_map(page)
    # Click once the map has settled (bounds fitted, clusters drawn), not a moving marker.
    expect_markers(page, len(site.mapped_poles))
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    # Bou'Sol may sit in a cluster with its neighbours: zoom until its own marker shows,
    # as a visitor clicking the cluster would.
    page.evaluate(
        """() => new Promise((resolve) => {
          const map = document.querySelector("[data-ptce-map]").ptceMap;
          const marker = map.markers.find((m) => m.options.title === "Bou'Sol");
          map.cluster.zoomToShowLayer(marker, resolve);
        })"""
    )
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    marker = page.locator('.leaflet-marker-icon.ptce-marker[title="Bou\'Sol"]')
    popup = page.locator(".leaflet-popup-content")
    # Under load the cluster layer may still redraw its markers after the fit, which
    # replaces the element clicked: click again, a few times at most.
    for _attempt in range(3):
        marker.click()
        try:
            popup.wait_for(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            continue
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
    # The located poles present in the région (Pays de Bray in Oise, Initiatives et
    # Cité in Lille…), and no other.
    located = (
        PoleCoverage.objects.filter(
            region_id="32", pole__is_published=True, pole__latitude__isnull=False
        )
        .exclude(pole__status=Pole.Status.CLOSED)  # drawn only on request
        .values("pole")
        .distinct()
        .count()
    )
    assert located >= 2
    expect_markers(page, located)


def test_invalid_filters_say_so_on_the_map_instead_of_a_loading_error(page):
    page.goto("/poles/?statut=inconnu&tri=nom")
    wait_for_map(page)
    status = page.locator("[data-ptce-map] ~ .map-status").inner_text()
    assert status
    assert "inconnu" in status  # the form's own message names the bad value
    assert "could not be loaded" not in status and "pas pu être chargée" not in status
    assert page.locator("[data-ptce-map] .leaflet-marker-icon").count() == 0


# Installed before the page's scripts: at the first marker or cluster icon in the map,
# which poles the page shows and how far map.js has got (its performance marks).
# (map.js's first screen: the one drawn before Leaflet, map-feed.js's, has a test below.)
FIRST_SCREEN = """
window.__firstScreen = null;
new MutationObserver((mutations, observer) => {
  const map = document.querySelector("[data-ptce-map]");
  if (!map || !map.ptceMap || !map.querySelector(".leaflet-pane .leaflet-marker-icon")) {
    return;
  }
  observer.disconnect();
  let shown = 0;
  map.querySelectorAll(".leaflet-marker-icon").forEach((icon) => {
    const count = icon.querySelector(".ptce-cluster__count span");
    shown += count ? parseInt(count.textContent, 10) : 1;
  });
  const view = map.ptceMap.map.getBounds();
  window.__firstScreen = {
    shown: shown,
    view: [[view.getSouth(), view.getWest()], [view.getNorth(), view.getEast()]],
    stand_ins: map.querySelectorAll(".leaflet-marker-icon.ptce-preview").length,
    marks: performance.getEntriesByType("mark").map((mark) => mark.name),
  };
}).observe(document, { childList: true, subtree: true });
"""


def test_the_first_screen_shows_every_pole_in_view_before_the_markers_are_built(page, site):
    # Building a Leaflet marker for each pole and clustering them takes a tenth of a
    # second or more at national scale: the map draws the poles of its view first
    # (inert stand-ins), and the real layer replaces them.
    page.add_init_script(FIRST_SCREEN)
    page.goto("/poles/")
    wait_for_map(page)
    first = page.evaluate("window.__firstScreen")
    assert first is not None
    assert "ptce:markers-built" not in first["marks"], first["marks"]
    assert first["stand_ins"] > 0
    # Every pole in that first view, no more, no less.
    in_view = page.evaluate(
        """(corners) => {
          const map = document.querySelector("[data-ptce-map]").ptceMap;
          const view = L.latLngBounds(corners);
          return map.markers.filter((marker) => view.contains(marker.getLatLng())).length;
        }""",
        first["view"],
    )
    assert in_view > 1
    assert first["shown"] == in_view
    # Then the real markers and clusters only: the stand-ins are gone, and were never
    # offered to the keyboard or assistive technology.
    expect_markers(page, len(site.mapped_poles))
    assert page.locator("[data-ptce-map] .ptce-preview").count() == 0
    pane = page.locator("[data-ptce-map] .leaflet-ptcePreview-pane")
    assert pane.get_attribute("aria-hidden") == "true"


# Installed before the page's scripts: each first-screen icon as it enters the page,
# with where it is in the map (its centre, from the map's top left corner), what it
# says, and whether Leaflet is there yet.
FIRST_SCREEN_ICONS = """
window.__firstScreenIcons = [];
new MutationObserver((mutations) => {
  mutations.forEach((mutation) => mutation.addedNodes.forEach((node) => {
    if (!(node instanceof Element)) {
      return;
    }
    const icons = node.matches(".ptce-preview") ? [node] : node.querySelectorAll(".ptce-preview");
    const map = node.closest("[data-ptce-map]");
    if (!map || !icons.length) {
      return;
    }
    const box = map.getBoundingClientRect();
    icons.forEach((icon) => {
      const rect = icon.getBoundingClientRect();
      window.__firstScreenIcons.push({
        before_leaflet: !!icon.closest(".ptce-first-screen"),
        leaflet_loaded: typeof window.L !== "undefined",
        x: rect.left + rect.width / 2 - box.left,
        y: rect.top + rect.height / 2 - box.top,
        size: rect.width,
        text: icon.textContent,
      });
    });
  }));
}).observe(document, { childList: true, subtree: true });
"""


@pytest.mark.parametrize(
    "path, width",
    [
        ("/poles/", 1280),
        ("/territoires/hauts-de-france/", 1280),
        ("/", 1280),
        # A map 567 px wide whose poles fit at the zoom it was created with: Leaflet pans
        # to them (at half-pixel offsets) rather than resetting its view.
        ("/poles/", 601),
        ("/embed/", 390),
    ],
)
def test_the_first_screen_is_drawn_before_leaflet_where_the_map_draws_its_own(
    page, site, path, width
):
    # The feed is parsed from the head (map-feed.js): the poles it will show are drawn
    # while Leaflet is still on its way, on the very pixels where map.js then draws its
    # own first screen, which replaces them in the same task (no jump, no flicker).
    # Leaflet is held back here until that first screen is in the page.
    page.set_viewport_size({"width": width, "height": 900})
    page.add_init_script(FIRST_SCREEN_ICONS)
    held = []
    page.route(re.compile(r".*/leaflet/leaflet\.js$"), lambda route: held.append(route))
    page.goto(path, wait_until="commit")
    layer = page.locator("[data-ptce-map] .ptce-first-screen")
    layer.locator(".leaflet-marker-icon").first.wait_for(state="attached")
    assert len(held) == 1
    assert page.evaluate("typeof window.L") == "undefined"
    # Inert and hidden from assistive technology: the real markers, a moment later, are
    # what a keyboard and a screen reader reach.
    assert layer.get_attribute("aria-hidden") == "true"
    assert layer.evaluate("(node) => getComputedStyle(node).pointerEvents") == "none"
    held[0].continue_()
    wait_for_map(page)
    assert page.locator("[data-ptce-map] .ptce-first-screen").count() == 0
    icons = page.evaluate("window.__firstScreenIcons")
    assert not any(icon["leaflet_loaded"] for icon in icons if icon["before_leaflet"])
    assert all(icon["leaflet_loaded"] for icon in icons if not icon["before_leaflet"])
    early, own = first_screen_positions(icons)
    # map.js's own first screen is the same, icon for icon, pixel for pixel.
    assert early and early == own
    shown = sum(int(text) if text.isdigit() else 1 for _x, _y, _size, text in early)
    assert shown > 1


def first_screen_positions(icons: list[dict]) -> tuple[list, list]:
    """The icons drawn before Leaflet and the first as many of map.js's own first screen
    (it draws it again when the map moves or is resized), each as sorted (x, y, size,
    text)."""

    def placed(group):
        return sorted((icon["x"], icon["y"], icon["size"], icon["text"]) for icon in group)

    early = [icon for icon in icons if icon["before_leaflet"]]
    own = [icon for icon in icons if not icon["before_leaflet"]]
    return placed(early), placed(own[: len(early)])


FEED = re.compile(r".*/poles/carte\.json(\?.*)?$")
MAP_VIEW = """() => {
  const map = document.querySelector("[data-ptce-map]").ptceMap.map;
  const center = map.getCenter();
  return [map.getZoom(), center.lat, center.lng];
}"""


@pytest.mark.parametrize("path", ["/poles/", "/", "/embed/", "/poles/?page=2"])
def test_an_unfiltered_map_draws_its_first_screen_from_the_page_before_its_feed(page, site, path):
    # The unfiltered maps' pages carry their first screen's poles (four numbers each,
    # before the map's element): the poles are drawn as soon as the stylesheets are in,
    # with the feed and Leaflet both still on their way.
    page.add_init_script(FIRST_SCREEN_ICONS)
    feeds, leaflet = [], []
    page.route(FEED, lambda route: feeds.append(route))
    page.route(re.compile(r".*/leaflet/leaflet\.js$"), lambda route: leaflet.append(route))
    page.goto(path, wait_until="commit")
    layer = page.locator("[data-ptce-map] .ptce-first-screen")
    layer.locator(".leaflet-marker-icon").first.wait_for(state="attached")
    assert feeds and leaflet
    feed_url = page.locator("[data-ptce-map]").get_attribute("data-feed-url")
    assert page.evaluate("(url) => window.PTCEMapFeed.ready(url)", feed_url) is False
    # Leaflet first, the feed still held: the map takes the view of those poles at once,
    # and its own first screen, drawn from them, replaces the one drawn before Leaflet
    # with the same icons on the same pixels (in its own pane, which follows the map).
    leaflet[0].continue_()
    page.wait_for_function("() => document.querySelector('[data-ptce-map]').ptceMap")
    assert layer.count() == 0
    early, own = first_screen_positions(page.evaluate("window.__firstScreenIcons"))
    assert early and early == own
    zoom = page.evaluate(MAP_VIEW)[0]
    for route in feeds:
        route.continue_()
    wait_for_map(page)
    # The feed, when it comes, does not change the zoom: its poles are the page's.
    assert page.evaluate(MAP_VIEW)[0] == zoom
    expect_markers(page, len(site.mapped_poles))


def test_a_filtered_map_waits_for_its_feed_for_its_first_screen(page, site):
    # A filtered map's poles are its feed's: the page does not carry them, and its first
    # screen comes with the feed (still before Leaflet).
    page.add_init_script(FIRST_SCREEN_ICONS)
    feeds, leaflet = [], []
    page.route(FEED, lambda route: feeds.append(route))
    page.route(re.compile(r".*/leaflet/leaflet\.js$"), lambda route: leaflet.append(route))
    page.goto("/poles/?statut=actif", wait_until="commit")
    page.wait_for_function(
        """() => document.querySelector("[data-ptce-map]")
          && [...document.querySelectorAll('link[rel="stylesheet"]')].every((link) => link.sheet)"""
    )
    assert feeds and leaflet
    # The page gives the map's view only.
    data = page.locator("#directory-map-first-screen").text_content()
    assert "view" in json.loads(data) and "poles" not in json.loads(data)
    # Two frames later, still nothing drawn: it waits for the feed.
    page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    assert page.locator("[data-ptce-map] .ptce-first-screen").count() == 0
    for route in feeds:
        route.continue_()
    layer = page.locator("[data-ptce-map] .ptce-first-screen")
    layer.locator(".leaflet-marker-icon").first.wait_for(state="attached")
    assert page.evaluate("typeof window.L") == "undefined"
    leaflet[0].continue_()
    wait_for_map(page)
    early, own = first_screen_positions(page.evaluate("window.__firstScreenIcons"))
    assert early and early == own


def zooms_of(tiles: list[str]) -> set[int]:
    """The zoom levels of tile URLs (…/{z}/{x}/{y}.png)."""
    return {int(re.search(r"/(\d+)/\d+/\d+\.png", url).group(1)) for url in tiles}


def test_with_the_poles_at_hand_the_map_asks_for_the_tiles_of_their_view_only(page, network):
    # The page's feed is fetched and parsed from the head (map-feed.js): when it is
    # there before the map is built, the map fits the poles first and lays its tiles
    # out once, for that view, not for the default view as well. map.js is held back
    # here until the feed is parsed, as on a fast connection.
    held = []
    page.route("**/static/poles/js/map.js", lambda route: held.append(route))
    page.goto("/territoires/hauts-de-france/", wait_until="commit")
    page.wait_for_function(
        """() => {
          const map = document.querySelector("[data-ptce-map]");
          return !!(map && window.PTCEMapFeed
            && window.PTCEMapFeed.ready(map.getAttribute("data-feed-url")));
        }""",
        polling=50,
    )
    assert len(held) == 1
    held[0].continue_()
    wait_for_map(page)
    page.wait_for_function("() => document.querySelector('[data-ptce-map] .leaflet-tile-loaded')")
    zoom = page.evaluate("document.querySelector('[data-ptce-map]').ptceMap.map.getZoom()")
    assert zoom > 5
    assert zooms_of(network.tiles) == {zoom}


def test_a_feed_that_fails_leaves_the_map_with_its_tiles(page, network):
    # The tiles wait for the poles' view only while the poles are coming: when the
    # feed cannot be read, the map still shows its default view's tiles.
    page.route("**/poles/carte.json*", lambda route: route.fulfill(status=500, body="boom"))
    page.goto("/poles/")
    page.locator(".map-status").filter(has_text=re.compile(r"\S")).wait_for()
    page.wait_for_function("() => document.querySelector('[data-ptce-map] .leaflet-tile-loaded')")
    assert network.tiles


def test_beyond_the_poles_a_page_carries_the_first_screen_comes_with_the_feed(
    page, site, monkeypatch, empty_cache
):
    # Past FIRST_SCREEN_MAX_POLES the unfiltered directory carries its map's view only:
    # its first screen is drawn from the feed, still before Leaflet. (The cache emptied:
    # the poles another test's page wrote under this data version are not read.)
    from poles import selectors

    monkeypatch.setattr(selectors, "FIRST_SCREEN_MAX_POLES", 1)
    leaflet = []
    page.route(re.compile(r".*/leaflet/leaflet\.js$"), lambda route: leaflet.append(route))
    page.goto("/poles/", wait_until="commit")
    layer = page.locator("[data-ptce-map] .ptce-first-screen")
    layer.locator(".leaflet-marker-icon").first.wait_for(state="attached")
    assert "poles" not in json.loads(page.locator("#directory-map-first-screen").text_content())
    leaflet[0].continue_()
    wait_for_map(page)
    expect_markers(page, len(site.mapped_poles))
