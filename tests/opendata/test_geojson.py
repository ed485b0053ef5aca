"""/poles.geojson: the filtered poles as an RFC 7946 FeatureCollection for the maps."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from poles.models import Pole, Sector
from tests.factories import directory_poles, located_pole
from tests.seed_data import seed_rows

pytestmark = pytest.mark.django_db


def geojson(client, query="", status=200, **extra):
    response = client.get(f"/poles.geojson{query}", **extra)
    assert response.status_code == status
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def test_a_feature_collection_of_the_located_published_poles(client, seeded):
    data = geojson(client)
    assert data["type"] == "FeatureCollection"
    slugs = {feature["properties"]["slug"] for feature in data["features"]}
    # Poles without a seat commune (Resto Passerelle, La Bio pour tous, the région-only
    # ones…) have no seat coordinates.
    seated = {row["slug"] for row in seed_rows() if row.get("seat_commune")}
    assert slugs == seated
    assert "resto-passerelle" not in slugs and "distro" not in slugs
    assert data["poles_without_position"] == len(seed_rows()) - len(seated)


def test_features_are_lean_and_longitude_first(client, seeded):
    data = geojson(client, "?secteur=alimentation-circuits-courts&departement=13")
    (feature,) = data["features"]
    pole = Pole.objects.get(slug="bou-sol")
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [float(pole.longitude), float(pole.latitude)],
    }
    assert feature["geometry"]["coordinates"][0] == pytest.approx(5.42, abs=0.1)  # Marseille
    sectors = list(pole.sectors.order_by("position").values_list("name", flat=True))
    assert feature["properties"] == {
        "slug": "bou-sol",
        "name": "Bou'Sol",
        "url": "/poles/bou-sol/",
        "commune": "Marseille",
        "departement": "13",
        "status": "actif",
        "sectors": sectors,
        "color": pole.main_sector.color,
        "sector": {
            "slug": "alimentation-circuits-courts",
            "name": "Alimentation et circuits courts",
            "color": pole.main_sector.color,
            "letters": "Al",
            "rank": 0,
        },
    }


def test_sector_names_follow_the_visitor_language(client, seeded):
    data = geojson(client, "?commune=13055", HTTP_ACCEPT_LANGUAGE="en")
    sector = Sector.objects.get(slug="agriculture")
    assert sector.name_en in data["features"][0]["properties"]["sectors"]


def test_default_colour_without_a_main_sector(client, db):
    located_pole("60333", name="Pôle sans secteur de test")
    (feature,) = geojson(client)["features"]
    assert feature["properties"]["color"] == "#3f6f8f"
    assert feature["properties"]["sector"] is None
    assert feature["properties"]["sectors"] == []


def test_the_marker_names_the_sector_it_is_coloured_by(client, seeded):
    # Innovales works in food and eco-construction; its main sector is eco-construction.
    # Its popup used to list food first under a marker of the eco-construction colour,
    # with nothing saying which sector the colour stood for.
    data = geojson(client, "?secteur=alimentation-circuits-courts&departement=74")
    (feature,) = data["features"]
    properties = feature["properties"]
    assert properties["slug"] == "innovales"
    assert properties["sector"]["slug"] == "eco-construction"
    assert properties["sector"]["letters"] == "Éc"
    assert properties["color"] == properties["sector"]["color"] == "#ddcc77"
    # In English, the English name and letters.
    english = geojson(client, "?departement=74", HTTP_ACCEPT_LANGUAGE="en")
    (feature,) = [f for f in english["features"] if f["id"] == "innovales"]
    assert feature["properties"]["sector"]["name"] == "Eco-construction"
    assert feature["properties"]["sector"]["letters"] == "Ec"


def test_without_a_main_sector_the_first_sector_in_list_order_marks_the_pole(client, db):
    food = Sector.objects.get(slug="alimentation-circuits-courts")
    eco = Sector.objects.get(slug="eco-construction")
    assert food.position < eco.position
    pole = located_pole("60333", name="Pôle de test à deux secteurs")
    pole.sectors.set([eco, food])
    (feature,) = geojson(client)["features"]
    assert feature["properties"]["sector"]["slug"] == "alimentation-circuits-courts"
    assert feature["properties"]["color"] == food.color


def test_the_sector_palette_is_tol_muted_and_every_sector_has_its_own_letters(db):
    # Paul Tol's "muted" qualitative scheme: distinct for colour-blind readers. Sectors
    # sharing a colour are told apart by their letters, in each language.
    muted = {"#cc6677", "#332288", "#ddcc77", "#117733", "#88ccee"}
    muted |= {"#882255", "#44aa99", "#999933", "#aa4499"}
    sectors = list(Sector.objects.all())
    assert len(sectors) == 14
    assert {sector.color for sector in sectors} <= muted
    for field in ("symbol", "symbol_en"):
        letters = [getattr(sector, field) for sector in sectors]
        assert all(letters) and len(set(letters)) == len(letters), field


def test_same_filters_as_the_list(client, seeded):
    for query in (
        "?region=32",
        "?secteur=agriculture&region=76",
        "?commune=13201",
        "?q=pain+et+partage",
        "?reseau=renouveau-productif&tri=-etp",
    ):
        data = geojson(client, query)
        list_page = client.get(f"/poles/{query}").content.decode()
        for feature in data["features"]:
            assert f'href="{feature["properties"]["url"]}"' in list_page
        assert data["features"], query


def test_unpublished_poles_are_not_on_the_map(client, db):
    located_pole("60333", name="Pôle caché de test", is_published=False)
    assert geojson(client)["features"] == []
    assert geojson(client)["poles_without_position"] == 0


@pytest.mark.parametrize(
    "query",
    ["?region=zz", "?commune=99999", "?tri=prix", "?q=%00", "?secteur=x&secteur=y"],
)
def test_invalid_filters_answer_400_with_an_empty_collection(client, seeded, query):
    data = geojson(client, query, status=400, HTTP_ACCEPT_LANGUAGE="en")
    assert data["type"] == "FeatureCollection"
    assert data["features"] == []
    field = query[1:].split("=")[0]
    assert data["errors"][field][0]["message"]


def test_page_is_ignored(client, seeded):
    seated = [row for row in seed_rows() if row.get("seat_commune")]
    assert len(geojson(client, "?page=abc")["features"]) == len(seated)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        data = json.loads(response.content)
    assert response.status_code == 200
    assert all(feature["properties"]["sectors"] for feature in data["features"])
    return len(queries)


@pytest.mark.parametrize(
    "query", ["", "?secteur=mobilite&region=32&tri=-etp", "?commune=60333", "?autour=49.44,2.09"]
)
def test_geojson_queries_do_not_grow_with_the_data(
    client, db, django_assert_max_num_queries, query
):
    sectors = list(Sector.objects.filter(slug__in=["mobilite", "agriculture"]))
    directory_poles(3, sectors=sectors)
    small = _queries(client, f"/poles.geojson{query}")
    directory_poles(27, sectors=sectors)
    large = _queries(client, f"/poles.geojson{query}")
    assert small == large
    # The filters' reference lists and the feed's freshness, then the poles, their
    # sectors, their first photos and their seats' communes (and on PostgreSQL, the
    # data version those lists are cached under, once for each).
    with django_assert_max_num_queries(12):
        data = json.loads(client.get(f"/poles.geojson{query}").content)
        assert len(data["features"]) == 30


def test_without_the_page_cache_the_feed_still_answers_304(client, db):
    """The map feed carries its own validators when the page cache is off (DEBUG, or
    production without Redis): a revalidating map costs one aggregate query."""
    pole = located_pole("60333", name="Pôle synthétique du flux")
    first = client.get("/poles.geojson")
    etag = first["ETag"]
    assert etag and first["Last-Modified"]
    assert client.get("/poles.geojson", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Another language names the sectors otherwise: another ETag.
    english = client.get("/poles.geojson", HTTP_ACCEPT_LANGUAGE="en")
    assert english["ETag"] != etag
    # A change to the pole's figures, on their own, is a change of the feed's pole.
    from tests.factories import KeyFigureFactory

    KeyFigureFactory(pole=pole, year=2024)
    changed = client.get("/poles.geojson", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Pôle synthétique du flux" in changed.content.decode()


def _synthetic_photo(pole, position, *, alt="Photo synthétique", popup=None):
    """A photo row pointing at synthetic file names (the feed reads names only)."""
    from poles.models import PolePhoto

    return PolePhoto.objects.create(
        pole=pole,
        image=f"poles/photos/synthetic-{position}.jpg",
        image_page=f"poles/photos/synthetic-{position}-1200.jpg",
        image_popup=f"poles/photos/synthetic-{position}-320.jpg" if popup is None else popup,
        alt_text=alt,
        position=position,
    )


def test_the_popup_shows_the_first_photo_in_its_small_rendition(client, db):
    with_photo = located_pole("60333", name="Pôle synthétique avec photo")
    _synthetic_photo(with_photo, 2, alt="Seconde photo synthétique")
    _synthetic_photo(with_photo, 1, alt="Atelier <b>synthétique</b>")
    located_pole("60333", name="Pôle synthétique sans photo")
    features = {
        feature["properties"]["name"]: feature["properties"]
        for feature in geojson(client)["features"]
    }
    assert features["Pôle synthétique avec photo"]["photo"] == {
        "url": "/media/poles/photos/synthetic-1-320.jpg",
        "alt": "Atelier <b>synthétique</b>",  # text for the map's DOM, never markup
    }
    assert "photo" not in features["Pôle synthétique sans photo"]


def test_names_with_quotes_and_accents_stay_valid_compact_json(client, db):
    """Features are written as text: any name reads back as typed, and the body is
    exactly the compact JSON of its content."""
    name = 'Pôle "entre guillemets" \\ <b>&</b>\tœuvre 🌱'
    sectors = list(Sector.objects.order_by("position")[:3])
    located_pole("60333", name=name, slug="pole-echappe", sectors=sectors[::-1])
    response = client.get("/poles.geojson")
    body = response.content.decode()
    data = json.loads(body)
    assert body == json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    (feature,) = data["features"]
    assert feature["id"] == "pole-echappe"
    assert feature["properties"]["name"] == name
    assert feature["properties"]["url"] == "/poles/pole-echappe/"
    assert feature["properties"]["commune"] == "Lachapelle-aux-Pots"
    assert feature["properties"]["departement"] == "60"
    # In the sectors' order, whatever the order they were linked in.
    assert feature["properties"]["sectors"] == [sector.name for sector in sectors]
    english = geojson(client, HTTP_ACCEPT_LANGUAGE="en")["features"][0]["properties"]
    assert english["sectors"] == [sector.name_en or sector.name for sector in sectors]
    lon, lat = feature["geometry"]["coordinates"]
    assert isinstance(lon, float) and isinstance(lat, float)


def test_a_first_photo_without_its_small_rendition_shows_none(client, db):
    pole = located_pole("60333", name="Pôle synthétique à photo incomplète")
    _synthetic_photo(pole, 1, popup="")
    _synthetic_photo(pole, 2)
    (feature,) = geojson(client)["features"]
    assert "photo" not in feature["properties"]


def test_seats_come_from_the_cached_places_or_on_their_own(client, db, monkeypatch):
    """The seats' communes are read once per data version: a seat set after that read
    (a save racing the request) is read on its own, never shown empty."""
    from poles import selectors

    located_pole("60333", name="Pôle synthétique de Lachapelle")
    without_seat = located_pole("60333", name="Pôle synthétique sans siège")
    without_seat.seat_commune = None
    without_seat.save()
    places = geojson(client)["features"]
    assert {(f["properties"]["commune"], f["properties"]["departement"]) for f in places} == {
        ("Lachapelle-aux-Pots", "60"),
        ("", ""),
    }
    monkeypatch.setattr(selectors, "versioned", lambda name, compute, **kwargs: {})
    assert geojson(client)["features"] == places
