"""The CSV files "for Excel" (`?format=excel`), read as French Excel reads a file it is
given with a double-click: UTF-8 only when the file starts with a byte order mark (else
Windows-1252), cells split at `;`, numbers with a decimal comma. The plain files stay as
programs and their Table Schemas expect them."""

import codecs
import csv
import io
import re
from decimal import Decimal

import pytest

from opendata.exports import POLE_COLUMNS, STRUCTURE_COLUMNS

pytestmark = pytest.mark.django_db

NUMBER_TYPES = {"number", "integer", "year"}


def read_as_french_excel(content: bytes) -> list[list[str]]:
    """What French Excel shows of a CSV file opened with a double-click."""
    if content.startswith(codecs.BOM_UTF8):
        text = content[len(codecs.BOM_UTF8) :].decode("utf-8")
    else:
        text = content.decode("cp1252", errors="replace")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def excel_number(cell: str) -> Decimal | None:
    """A cell as French Excel reads a number: a decimal comma, never a dot."""
    return Decimal(cell.replace(",", ".")) if cell and "." not in cell else None


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    ("url", "columns", "filename"),
    [
        ("/poles.csv", POLE_COLUMNS, "poles-excel.csv"),
        ("/poles/structures.csv", STRUCTURE_COLUMNS, "structures-excel.csv"),
    ],
)
def test_the_excel_variant_opens_in_french_excel_with_its_accents_and_numbers(
    client, seeded, url, columns, filename
):
    plain_response = client.get(url)
    excel_response = client.get(url, {"format": "excel"})
    assert excel_response.status_code == 200
    assert excel_response["Content-Type"].startswith("text/csv; charset=utf-8")
    assert excel_response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert excel_response["ETag"] != plain_response["ETag"]
    plain, excel = body(plain_response), body(excel_response)

    # The plain file is unchanged: no BOM, commas (what scripts and the schema expect),
    # so French Excel garbles it, which is why the variant exists.
    assert not plain.startswith(codecs.BOM_UTF8)
    plain_rows = list(csv.reader(io.StringIO(plain.decode("utf-8"), newline="")))
    assert "CoopÃ©ration" in plain.decode("cp1252", errors="replace")

    shown = read_as_french_excel(excel)
    assert shown[0] == [column.name for column in columns] == plain_rows[0]
    assert len(shown) == len(plain_rows) > 1
    text = "\n".join(";".join(row) for row in shown)
    assert "Coopération" in text
    assert "Ã" not in text
    for excel_row, plain_row in zip(shown[1:], plain_rows[1:], strict=True):
        assert len(excel_row) == len(columns)
        for column, excel_cell, plain_cell in zip(columns, excel_row, plain_row, strict=True):
            if column.type in NUMBER_TYPES and plain_cell:
                # A number Excel reads as one, equal to the plain file's.
                assert excel_number(excel_cell) == Decimal(plain_cell), column.name
            else:
                assert excel_cell == plain_cell, column.name


def test_decimal_figures_have_a_decimal_comma(client, seeded):
    rows = read_as_french_excel(body(client.get("/poles.csv", {"format": "excel"})))
    header = rows[0]
    latitudes = [row[header.index("latitude")] for row in rows[1:] if row[header.index("latitude")]]
    assert latitudes
    assert all("," in value and "." not in value for value in latitudes)


def test_an_observatory_csv_has_its_excel_variant(client, seeded):
    response = client.get("/statistiques/statuts.csv", {"format": "excel"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="statuts-excel.csv"'
    rows = read_as_french_excel(response.content)
    plain_text = client.get("/statistiques/statuts.csv").content.decode()
    plain = list(csv.reader(io.StringIO(plain_text)))
    assert rows[0] == plain[0]
    assert len(rows) == len(plain) > 1
    decimals = 0
    for excel_row, plain_row in zip(rows[1:], plain[1:], strict=True):
        for excel_cell, plain_cell in zip(excel_row, plain_row, strict=True):
            if re.fullmatch(r"-?\d+\.\d+", plain_cell):
                decimals += 1
                assert excel_cell == plain_cell.replace(".", ",")
            else:
                assert excel_cell == plain_cell
    assert decimals  # the shares, in percent


@pytest.mark.parametrize(
    "url", ["/poles.csv", "/poles/structures.csv", "/statistiques/statuts.csv"]
)
@pytest.mark.parametrize("value", ["xlsx", "EXCEL", "excel ", "<b>"])
def test_an_unknown_format_is_a_clear_400(client, url, value):
    response = client.get(url, {"format": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "format=excel" in response.content.decode()
    assert "<b>" not in response.content.decode()


def test_every_csv_link_has_its_excel_variant(client, seeded):
    for url in ("/donnees/", "/poles/?region=44", "/statistiques/"):
        html = client.get(url).content.decode()
        assert "format=excel" in html, url
        assert "data-excel-variant" in html, url
    donnees = client.get("/donnees/").content.decode()
    assert 'href="/poles.csv?format=excel"' in donnees
    assert 'href="/poles/structures.csv?format=excel"' in donnees
    assert "/poles.csv?format=excel</code>" in donnees  # documented
