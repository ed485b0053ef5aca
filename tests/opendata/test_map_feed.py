"""/poles/carte.json: the site's maps' own compact feed. It must say exactly what
/poles.geojson (the documented open data file) says about every pole, in a fraction of
its size, with the same filters, errors, validators and storage."""

import gzip
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from poles.models import PolePhoto, Sector
from tests.factories import directory_poles, located_pole

pytestmark = pytest.mark.django_db


def get(client, url, status=200, **extra):
    response = client.get(url, **extra)
    assert response.status_code == status, url
    return response, json.loads(response.content)


def as_geojson_properties(data) -> dict:
    """Each pole of the compact feed with the properties map.js rebuilds from it
    (static/poles/js/map.js, compactPoles), by slug, with its coordinates."""
    at = {name: position for position, name in enumerate(data["fields"])}
    sectors = data["sectors"]
    poles = {}
    for row in data["poles"]:
        mark = row[at["mark"]]
        sector = sectors[mark] if mark is not None else None
        properties = {
            "slug": row[at["slug"]],
            "name": row[at["name"]],
            "url": data["url"] + row[at["slug"]] + "/",
            "commune": row[at["commune"]],
            "departement": row[at["departement"]],
            "status": row[at["status"]],
            "sectors": [sectors[position]["name"] for position in row[at["sectors"]]],
            "color": sector["color"] if sector else "#3f6f8f",
            "sector": sector,
        }
        if len(row) > at["photo"]:
            properties["photo"] = row[at["photo"]]
        poles[properties["slug"]] = (row[at["longitude"]], row[at["latitude"]], properties)
    return poles


def geojson_poles(data) -> dict:
    return {
        feature["properties"]["slug"]: (
            *feature["geometry"]["coordinates"],
            feature["properties"],
        )
        for feature in data["features"]
    }


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("query", ["", "?secteur=agriculture", "?region=32&statut=ferme"])
def test_the_maps_feed_says_what_the_geojson_says(client, seeded, language, query):
    _response, geojson = get(client, f"/poles.geojson{query}", HTTP_ACCEPT_LANGUAGE=language)
    response, data = get(client, f"/poles/carte.json{query}", HTTP_ACCEPT_LANGUAGE=language)
    assert response["Content-Type"] == "application/json"
    assert data["format"] == "ptce-map-1"
    assert as_geojson_properties(data) == geojson_poles(geojson)
    assert data["poles_without_position"] == geojson["poles_without_position"]
    # The legend's order: the reference list's, each sector once.
    assert [sector["rank"] for sector in data["sectors"]] == list(range(len(data["sectors"])))


def test_the_maps_feed_is_a_fraction_of_the_geojson(client, db):
    sectors = list(Sector.objects.order_by("pk")[:3])
    directory_poles(40, sectors=sectors)
    geojson = client.get("/poles.geojson").content
    compact = client.get("/poles/carte.json").content
    assert len(json.loads(compact)["poles"]) == 40
    # Each sector's object and each feature's keys written once, not once per pole.
    assert len(compact) < 0.4 * len(geojson)


def test_a_photo_rides_along_only_with_the_poles_that_have_one(client, db):
    with_photo = located_pole("60333", name="Pôle synthétique avec photo")
    PolePhoto.objects.create(
        pole=with_photo,
        image="poles/photos/synthetic-1.jpg",
        image_page="poles/photos/synthetic-1-1200.jpg",
        image_popup="poles/photos/synthetic-1-320.jpg",
        alt_text='Atelier "synthétique" <b>',
        position=1,
    )
    located_pole("60333", name="Pôle synthétique sans photo")
    _response, data = get(client, "/poles/carte.json")
    rows = {row[1]: row for row in data["poles"]}
    assert rows["Pôle synthétique avec photo"][-1] == {
        "url": "/media/poles/photos/synthetic-1-320.jpg",
        "alt": 'Atelier "synthétique" <b>',
    }
    assert len(rows["Pôle synthétique sans photo"]) == len(data["fields"]) - 1


@pytest.mark.parametrize(
    "query",
    ["?region=zz", "?commune=99999", "?tri=prix", "?q=%00", "?secteur=x&secteur=y"],
)
def test_invalid_filters_answer_400_with_their_errors(client, seeded, query):
    response, data = get(client, f"/poles/carte.json{query}", 400, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == "application/json"
    assert data["poles"] == []
    field = query[1:].split("=")[0]
    assert data["errors"][field][0]["message"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        _response, data = get(client, url)
    assert all(row[6] for row in data["poles"])
    return len(queries)


@pytest.mark.parametrize("query", ["?secteur=mobilite&region=32", "?autour=49.44,2.09"])
def test_as_many_queries_as_the_geojson_whatever_the_data(client, db, query):
    sectors = list(Sector.objects.filter(slug__in=["mobilite", "agriculture"]))
    directory_poles(3, sectors=sectors)
    small = _queries(client, f"/poles/carte.json{query}")
    directory_poles(27, sectors=sectors)
    assert _queries(client, f"/poles/carte.json{query}") == small
    with CaptureQueriesContext(connection) as geojson:
        client.get(f"/poles.geojson{query}")
    # (The seats' places are cached per format: one query each, once per data version.)
    assert _queries(client, f"/poles/carte.json{query}") <= len(geojson) + 1


def test_stored_once_with_its_gzip_and_validators(settings):
    located_pole("60057", name="Pôle stocké")
    first = Client().get("/poles/carte.json")
    assert first.status_code == 200
    assert json.loads(first.content)["poles"][0][1] == "Pôle stocké"
    assert "Accept-Encoding" in first["Vary"]
    assert first["ETag"] and first["Last-Modified"]
    zipped = Client().get("/poles/carte.json", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == first.content
    assert Client().get("/poles/carte.json", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # Not the GeoJSON's file: each feed has its own.
    Client().get("/poles.geojson")
    assert len(list(settings.STORED_BODIES_ROOT.iterdir())) == 4


def test_a_filtered_feed_answers_304_to_its_etag(client, db):
    located_pole("60333", name="Pôle synthétique du flux")
    first = client.get("/poles/carte.json?statut=actif")
    assert first.status_code == 200 and first["ETag"]
    again = client.get("/poles/carte.json?statut=actif", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    # Not the GeoJSON's representation: never its ETag.
    assert client.get("/poles.geojson?statut=actif")["ETag"] != first["ETag"]
