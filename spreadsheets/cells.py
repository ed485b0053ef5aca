"""What makes a spreadsheet cell safe, for every file a spreadsheet may open: the
open-data CSV files, the observatory's tables and the admin's exports and imports."""

import re
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
