"""poles/numbers.py writes numbers exactly as Django's `floatformat` and `intcomma`."""

from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from poles.cards import etp_text
from poles.numbers import decimal_text, integer_text

decimals = st.decimals(
    min_value=Decimal("-1e13"), max_value=Decimal("1e13"), allow_nan=False, places=4
) | st.decimals(min_value=0, max_value=1000, allow_nan=False, places=2)
LANGUAGES = st.sampled_from(["fr", "en"])


@settings(max_examples=400, deadline=None)
@given(value=decimals, places=st.integers(0, 3), grouping=st.booleans(), language=LANGUAGES)
def test_decimals_are_written_as_floatformat_writes_them(value, places, grouping, language):
    with translation.override(language):
        expected = floatformat(value, f"{places}g" if grouping else str(places))
        assert decimal_text(value, places, grouping=grouping) == expected


@settings(max_examples=300, deadline=None)
@given(value=st.integers(-(10**15), 10**15), language=LANGUAGES)
def test_integers_are_written_as_intcomma_writes_them(value, language):
    with translation.override(language):
        assert integer_text(value) == intcomma(value)


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (Decimal("0.75"), "0,75", "0.75"),
        (Decimal("12.50"), "12,5", "12.5"),
        (Decimal("1234.00"), "1\N{NO-BREAK SPACE}234", "1,234"),
        (Decimal("0.125"), "0,13", "0.13"),  # at most two decimals, rounded half up
        (Decimal("-3.10"), "-3,1", "-3.1"),
        (Decimal("0"), "0", "0"),
        (12.5, "12,5", "12.5"),  # not a Decimal: Django's own filter
    ],
)
def test_an_etp_is_written_as_readers_write_it(value, french, english):
    with translation.override("fr"):
        assert etp_text(value) == french
    with translation.override("en"):
        assert etp_text(value) == english


def test_other_inputs_are_left_to_django():
    with translation.override("fr"):
        assert decimal_text(Decimal("NaN"), 2) == floatformat(Decimal("NaN"), "2g")
        assert decimal_text("12.5", 1) == floatformat("12.5", "1g")
        assert integer_text("1234") == intcomma("1234")
        assert integer_text(True) == intcomma(True)
