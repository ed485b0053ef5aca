"""What makes a spreadsheet cell safe, for every file a spreadsheet may open: the
open-data CSV files, the observatory's tables and the admin's exports and imports."""

import csv
import re
from dataclasses import dataclass
from decimal import Decimal

# How a multi-valued cell (sectors, pooling types…) joins its values.
LIST_SEPARATOR = "|"

# A spreadsheet takes a cell starting with one of these for a formula (=HYPERLINK(…),
# +cmd|…, @SUM(…)), even in a CSV file: OWASP's "CSV injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def escape_formula(text: str) -> str:
    """`text` made inert for spreadsheets: a leading formula character gets a single
    quote before it (OWASP), which spreadsheets show as text. For text written by
    people (names, descriptions, phones), never for numbers."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def unescape_formula(text: str) -> str:
    """The reverse of `escape_formula`, for imports: re-importing an export gives
    back the same text."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def csv_cell(value, *, numeric: bool = False) -> str:
    """A value as a CSV cell. Numbers stay numbers (-12.5 is not a formula); any text,
    and any value of a non-numeric column, is escaped by `escape_formula`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal | float):
        # The shortest exact spelling (12, 7.5, 49.4471), the same on every database:
        # a subquery's decimal comes back as an integer or a float on SQLite.
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        text = LIST_SEPARATOR.join(str(item) for item in value)
    else:
        text = str(value)
    if numeric and _NUMBER.match(text):
        return text
    return escape_formula(text)


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: its separator, decimal mark and byte order mark.

    `plain` is for programs (RFC 4180: commas, decimal dots, UTF-8 without a BOM, as the
    Table Schemas describe); `excel-fr` is what French Excel opens with a double-click:
    it takes the BOM for UTF-8 (without it, it reads Windows-1252 and shows
    "CoopÃ©ration"), splits cells at `;` and reads `12,5` as a number."""

    slug: str
    delimiter: str = ","
    decimal_comma: bool = False
    byte_order_mark: bool = False

    @property
    def preamble(self) -> str:
        """What the file starts with, before its header row."""
        return "\ufeff" if self.byte_order_mark else ""

    def writer(self, out):
        return csv.writer(out, delimiter=self.delimiter)

    def cell(self, value, *, numeric: bool = False) -> str:
        """`csv_cell`, with the dialect's decimal mark in numbers."""
        text = csv_cell(value, numeric=numeric)
        if self.decimal_comma and _is_number(value, text, numeric=numeric):
            return text.replace(".", ",")
        return text


def _is_number(value, text: str, *, numeric: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, Decimal | float | int):
        return True
    return numeric and bool(_NUMBER.match(text))


PLAIN_CSV = CsvDialect("plain")
EXCEL_FR_CSV = CsvDialect("excel-fr", delimiter=";", decimal_comma=True, byte_order_mark=True)
CSV_DIALECTS = {dialect.slug: dialect for dialect in (PLAIN_CSV, EXCEL_FR_CSV)}
# `?format=` of the CSV files: the value that asks for the Excel variant.
EXCEL_FORMAT = "excel"


def csv_dialect_for(format_value: str | None) -> CsvDialect:
    """The dialect a CSV URL's `format` parameter asks for: none for the plain file,
    `excel` for French Excel. Raises ValueError for any other value."""
    if format_value in (None, ""):
        return PLAIN_CSV
    if format_value == EXCEL_FORMAT:
        return EXCEL_FR_CSV
    raise ValueError(format_value)
