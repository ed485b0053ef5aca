"""Numbers written as the reader's language writes them: what Django's `floatformat`
and `intcomma` filters write, at a tenth of their cost.

A pole's page writes up to two hundred numbers (each member structure's ETP and
turnover); through Django's filters each one looked its language's separators up
again and went through `number_format`'s general path (strings, floats, settings):
about 10 µs a number, a tenth of the page's Python. Here the separators are read
once per language and the Decimal or int is written directly. Any other input goes
to Django's filters. tests/poles/test_numbers.py holds the output equal to Django's
for generated values in both languages.
"""

from decimal import ROUND_HALF_UP, Decimal
from decimal import Context as DecimalContext
from functools import cache

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.translation import get_language

# Beyond this many digits Django's number_format switches to scientific notation.
_PLAIN_DIGITS = 200


@cache
def _separators(language: str) -> tuple[str, str, int]:
    return (
        get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
        get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        get_format("NUMBER_GROUPING", language, use_l10n=True),
    )


@receiver(setting_changed)
def _forget_separators(**kwargs):
    _separators.cache_clear()


def _grouped(digits: str, separator: str, grouping: int) -> str:
    head = len(digits) % grouping or grouping
    parts = [digits[:head]]
    parts += [digits[index : index + grouping] for index in range(head, len(digits), grouping)]
    return separator.join(parts)


def decimal_text(value, places: int, *, grouping: bool = True) -> str:
    """`floatformat(value, f"{places}g")` (or without grouping, `floatformat(value,
    places)`): rounded half up to `places` decimals."""
    argument = f"{places}g" if grouping else str(places)
    decimal_separator, thousand_separator, group = _separators(get_language() or "fr")
    if (
        type(value) is not Decimal
        or not value.is_finite()
        or not 0 <= places <= 20
        or not isinstance(group, int)
        or group <= 0
        or abs(value.adjusted()) >= _PLAIN_DIGITS
    ):
        return floatformat(value, argument)
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _dot, decimals = f"{abs(rounded):f}".partition(".")
    if grouping or settings.USE_THOUSAND_SEPARATOR:
        whole = _grouped(whole, thousand_separator, group)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{whole}{decimal_separator}{decimals}" if places else f"{sign}{whole}"


def integer_text(value) -> str:
    """`intcomma(value)`: an integer with its thousands grouped."""
    _decimal_separator, thousand_separator, group = _separators(get_language() or "fr")
    if type(value) is not int or abs(value) >= 10**_PLAIN_DIGITS or not isinstance(group, int):
        return intcomma(value)
    if group <= 0:
        return intcomma(value)
    grouped = _grouped(str(abs(value)), thousand_separator, group)
    return f"-{grouped}" if value < 0 else grouped


_FROM_FLOAT = DecimalContext(prec=15).create_decimal_from_float


def orm_decimal(value, quantum: Decimal | None = None) -> Decimal | None:
    """A decimal value read by hand-written SQL, as the ORM reads it: PostgreSQL gives
    a Decimal already; SQLite a float or an integer, which Django's SQLite backend
    reads as a Decimal of 15 digits, and for a plain column (not an aggregate or a
    subquery) quantizes to the field's decimal places (`quantum`)."""
    if value is None or isinstance(value, Decimal):
        return value
    value = _FROM_FLOAT(value)
    return value if quantum is None else value.quantize(quantum)
