"""The maps' first screen written in the page (poles/templatetags/ptce.py,
`map_first_screen`; poles/selectors.py, `directory_map_first_screen`): the pages of the
unfiltered maps (directory without filters, home, embed) carry their poles' positions,
marks and statuses, the feed's own, in its order, so that static/poles/js/map-feed.js
draws the first screen before the feed has come; a filtered map's page gives its view
only. After every kind of write, the page's poles are the feed's again (the table of
writes of tests/poles/test_derived_data.py)."""

import json
import re

import pytest
from django.test import Client

from poles import selectors
from poles.models import Sector
from poles.templatetags.ptce import map_config
from tests.factories import located_pole
from tests.poles.test_derived_data import CASES, national, pole  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

UNFILTERED = [("/poles/", "directory-map-first-screen"), ("/", "ptce-first-screen")]
UNFILTERED.append(("/embed/", "ptce-first-screen"))


def first_screen(url: str, element_id: str, **headers) -> dict:
    response = Client().get(url, **headers)
    assert response.status_code == 200, url
    html = response.content.decode()
    found = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, f"{url} has no first screen"
    assert f'data-first-screen="{element_id}"' in html
    return json.loads(found.group(1))


def drawn(data: dict, rows, status_of) -> list[tuple]:
    """(longitude, latitude, colour and letters of the mark, status) of each of `rows`
    (lists in the order of `data["fields"]`), as map-feed.js reads them."""
    at = {name: position for position, name in enumerate(data["fields"])}

    def mark(position):
        sector = data["sectors"][position] if position is not None else None
        return (sector["color"], sector["letters"]) if sector else None

    return [
        (
            row[at["longitude"]],
            row[at["latitude"]],
            mark(row[at["mark"]]),
            status_of(row[at["status"]]),
        )
        for row in rows
    ]


def page_poles(data: dict) -> list[tuple]:
    """What the page gives of each pole (firstScreenPoles: a flat list of numbers)."""
    poles = data["poles"]
    width, numbers = len(poles["fields"]), poles["poles"]
    assert len(numbers) % width == 0
    rows = [numbers[start : start + width] for start in range(0, len(numbers), width)]
    return drawn(poles, rows, lambda position: poles["statuses"][position])


def feed_poles(**headers) -> list[tuple]:
    """The same of the maps' feed (compactPoles)."""
    data = json.loads(Client().get("/poles/carte.json", **headers).content)
    return drawn(data, data["poles"], lambda status: status)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(("url", "element_id"), UNFILTERED)
def test_an_unfiltered_maps_page_carries_the_feeds_poles(seeded, url, element_id, language):
    data = first_screen(url, element_id, HTTP_ACCEPT_LANGUAGE=language)
    assert data["poles"]["format"] == selectors.FIRST_SCREEN_FORMAT
    poles = page_poles(data)
    assert len(poles) > 20
    # The same poles, numbers, marks (in the visitor's language) and order as the feed.
    assert poles == feed_poles(HTTP_ACCEPT_LANGUAGE=language)
    assert {status for *_rest, status in poles} >= {"actif"}


@pytest.mark.parametrize(
    ("url", "element_id"),
    [
        ("/poles/?statut=actif", "directory-map-first-screen"),
        ("/poles/?q=alimentation", "directory-map-first-screen"),
        ("/embed/?region=32", "ptce-first-screen"),
        ("/territoires/hauts-de-france/", "ptce-first-screen"),
    ],
)
def test_a_filtered_maps_page_gives_its_view_only(seeded, url, element_id):
    data = first_screen(url, element_id)
    assert "poles" not in data
    # The view map.js starts from (its configuration, at the end of the page).
    config = map_config()
    assert data["view"] == {
        "center": config["center"],
        "zoom": config["zoom"],
        "minZoom": config["minZoom"],
        "maxZoom": config["maxZoom"],
        "zones": [{"key": zone["key"], "bounds": zone["bounds"]} for zone in config["zones"]],
    }


def test_a_sectors_letters_cannot_close_the_element():
    sector = Sector.objects.create(
        name="Secteur <script>", slug="secteur-script", color="#123456", symbol="</"
    )
    located_pole("60057", sectors=[sector], main_sector=sector)
    response = Client().get("/poles/")
    html = response.content.decode()
    inside = html.split('<script id="directory-map-first-screen" type="application/json">')[1]
    inside = inside.split("</script>")[0]
    assert "<" not in inside and "\\u003C/" in inside
    data = first_screen("/poles/", "directory-map-first-screen")
    assert page_poles(data)[0][2] == ("#123456", "</")


def test_beyond_its_limit_the_page_gives_the_view_only(monkeypatch, empty_cache):
    located_pole("60057")
    located_pole("60057")
    monkeypatch.setattr(selectors, "FIRST_SCREEN_MAX_POLES", 1)
    data = first_screen("/poles/", "directory-map-first-screen")
    assert "poles" not in data and "view" in data


@pytest.mark.parametrize(
    ("write", "_coverage", "_stamps", "_finds"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_every_write_leaves_the_pages_poles_the_feeds(
    pole,  # noqa: F811 - the fixture imported above
    national,  # noqa: F811
    write,
    _coverage,
    _stamps,
    _finds,
):
    before = page_poles(first_screen("/poles/", "directory-map-first-screen"))
    assert before == feed_poles()
    write(pole, national)
    after = page_poles(first_screen("/poles/", "directory-map-first-screen"))
    assert after == feed_poles(), f"the page's first screen is stale after {write.__name__}"


def test_a_moved_pole_a_recoloured_sector_and_a_closed_pole_show_at_once():
    sector = Sector.objects.create(name="Secteur témoin", slug="secteur-temoin", color="#112233")
    moved = located_pole("60057", sectors=[sector], main_sector=sector)
    located_pole("60057")
    shown = page_poles(first_screen("/poles/", "directory-map-first-screen"))
    moved.latitude, moved.longitude = 43.6047, 1.4442
    moved.save()
    sector.color = "#445566"
    sector.save()
    moved.status = "ferme"
    moved.save()
    now = page_poles(first_screen("/poles/", "directory-map-first-screen"))
    assert now != shown and now == feed_poles()
    assert (1.4442, 43.6047, ("#445566", sector.mark), "ferme") in now


@pytest.mark.parametrize(
    "url", ["/poles/", "/poles/?statut=actif", "/", "/embed/", "/territoires/hauts-de-france/"]
)
def test_the_first_render_waits_for_the_map_element_only(seeded, url):
    # The page is not painted before its map's element is parsed (rel="expect"), so that
    # it is laid out once with the map's first screen: the link names that element.
    html = Client().get(url).content.decode()
    head = html.split("</head>")[0]
    (target,) = re.findall(r'<link rel="expect" href="#([\w-]+)" blocking="render">', head)
    assert re.search(rf'<div id="{target}" class="[^"]*ptce-map[^"]*" data-ptce-map', html)


@pytest.mark.parametrize(
    ("url", "parsed_after"), [("/poles/", True), ("/", True), ("/poles/?statut=actif", False)]
)
def test_the_feed_is_parsed_after_the_first_screen_only_where_the_page_has_its_poles(
    seeded, url, parsed_after
):
    head = Client().get(url).content.decode().split("</head>")[0]
    (preload,) = re.findall(r"<link rel=\"preload\"[^>]*data-ptce-feed[^>]*>", head)
    assert ("data-ptce-page-poles" in preload) is parsed_after


def test_with_the_page_cache_on_an_edit_reaches_the_cached_pages_poles(settings, empty_cache):
    # Production caches whole pages (the generation in their key): the poles a cached
    # page carries are those of its generation, and an edit gives the next request new ones.
    settings.PUBLIC_CACHE_SECONDS = 600
    moved = located_pole("60057")
    first = page_poles(first_screen("/poles/", "directory-map-first-screen"))
    assert first == page_poles(first_screen("/poles/", "directory-map-first-screen"))
    moved.latitude, moved.longitude = 45.764, 4.8357
    moved.save()
    now = page_poles(first_screen("/poles/", "directory-map-first-screen"))
    assert now != first and now == feed_poles()
    assert any(row[:2] == (4.8357, 45.764) for row in now)
