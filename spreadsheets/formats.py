"""The files the import reads as spreadsheets write them.

- CSV as French Excel saves it: "CSV (séparateur : point-virgule)" is Windows-1252 text
  separated by `;`, "CSV UTF-8" is UTF-8 with a byte order mark, separated by `;` too;
  other tools write UTF-8 separated by `,`. The encoding and the separator are detected
  (`csv_reading`) and the preview says which were used; decimal commas ("0,75") are read
  by the number columns (spreadsheets.resources.NumberWidget).
- XLSX: a cell holding a formula whose value the file does not store (a workbook
  written by a program rather than saved by a spreadsheet) is reported, never imported
  as an empty cell.
"""

import codecs
import csv
import io
from dataclasses import dataclass

import openpyxl
import tablib
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX
from openpyxl.utils import get_column_letter


class UnreadableFile(ValueError):
    """The file cannot be read as its format: the message says why and what to do."""


# The separators a CSV file may use, in order of preference on a tie.
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class CsvReading:
    """How a CSV file was read: its encoding (a codec name) and its separator."""

    encoding: str
    delimiter: str

    def describe(self) -> str:
        encoding = {
            "utf-8-sig": _("UTF-8 with a byte order mark"),
            "utf-8": _("UTF-8"),
            "utf-16": _("UTF-16"),
            "cp1252": _("Windows-1252 (the encoding of Excel's “CSV (semicolon delimited)”)"),
        }[self.encoding]
        separator = {
            ",": _("commas (“,”)"),
            ";": _("semicolons (“;”)"),
            "\t": _("tabs"),
        }[self.delimiter]
        return _("File read as %(encoding)s text, cells separated by %(separator)s.") % {
            "encoding": encoding,
            "separator": separator,
        }


def decode(content: bytes) -> tuple[str, str]:
    """The text of a CSV file and the codec it was read with.

    A byte order mark names its encoding; otherwise UTF-8 when the bytes are valid
    UTF-8 (a Windows-1252 file with accents never is), else Windows-1252, which French
    Excel writes. Raises UnreadableFile for binary data or bytes neither encoding has.
    """
    if content.startswith(codecs.BOM_UTF8):
        return content.decode("utf-8-sig"), "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise UnreadableFile(not_text_message()) from error
    if b"\x00" in content:
        raise UnreadableFile(_("This file holds binary data, not CSV text."))
    for codec in ("utf-8", "cp1252"):
        try:
            return content.decode(codec), codec
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(not_text_message())


def not_text_message() -> str:
    return _(
        "This file is neither UTF-8 nor Windows-1252 text: in your spreadsheet, save it as "
        "“CSV UTF-8 (comma delimited)” and import it again."
    )


def sniff_delimiter(text: str) -> str:
    """The separator of the header line: the one that splits it into the most cells
    (`,` when none splits it: a file of one column)."""
    first_line = text.lstrip("\ufeff").partition("\n")[0]
    best, best_count = ",", 1
    for delimiter in DELIMITERS:
        try:
            count = len(next(csv.reader([first_line], delimiter=delimiter), []))
        except csv.Error:
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def csv_reading(content: bytes) -> tuple[str, CsvReading]:
    text, encoding = decode(content)
    return text, CsvReading(encoding=encoding, delimiter=sniff_delimiter(text))


class SpreadsheetCSV(CSV):
    """CSV read from its bytes, whatever the encoding and separator (see csv_reading).

    Binary for import-export, so that it hands over the file's bytes rather than text
    it decoded as UTF-8 itself."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        text, reading = csv_reading(in_stream)
        dataset = tablib.Dataset()
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=reading.delimiter))
        if rows:
            dataset.headers = rows[0]
            for row in rows[1:]:
                if not any(cell.strip() for cell in row):
                    continue  # a blank line, as spreadsheets leave at the end
                if len(row) != len(rows[0]):
                    raise tablib.InvalidDimensions
                dataset.append(row)
        dataset.reading = reading
        return dataset


class CheckedXLSX(XLSX):
    """XLSX whose formula cells must carry their computed value."""

    def create_dataset(self, in_stream):
        cells = formulas_without_value(in_stream)
        if cells:
            shown = ", ".join(cells[:10]) + (" …" if len(cells) > 10 else "")
            raise UnreadableFile(
                _(
                    "These cells hold a formula whose result the file does not store: "
                    "%(cells)s. Open the file in your spreadsheet and save it again (the "
                    "results are then stored), or replace the formulas by their values."
                )
                % {"cells": shown}
            )
        dataset = super().create_dataset(in_stream)
        dataset.reading = None
        return dataset


def formulas_without_value(content: bytes) -> list[str]:
    """The cells (as "C3") of the first sheet that hold a formula and no stored result.

    openpyxl reads either the formulas or their stored results: the workbook is read
    both ways, side by side."""
    values = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    formulas = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        found = []
        value_rows = values.active.iter_rows(values_only=True)
        for row_index, formula_row in enumerate(
            formulas.active.iter_rows(values_only=True), start=1
        ):
            value_row = next(value_rows, ())
            for column_index, formula in enumerate(formula_row, start=1):
                if not (isinstance(formula, str) and formula.startswith("=")):
                    continue
                value = value_row[column_index - 1] if column_index <= len(value_row) else None
                if value is None:
                    found.append(f"{get_column_letter(column_index)}{row_index}")
        return found
    finally:
        values.close()
        formulas.close()
