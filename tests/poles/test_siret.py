import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from poles.validators import normalize_siret, validate_siret


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # Luhn key valid
        "732 829 320 00074",  # typed with spaces
        "35600000000048",  # La Poste head office (Luhn)
        "35600000049837",  # a La Poste establishment: digit sum multiple of 5, not Luhn
    ],
)
def test_valid_siret(siret):
    validate_siret(siret)


def test_la_poste_rule_is_not_luhn():
    from stdnum import luhn

    assert not luhn.is_valid("35600000049837")


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("73282932000075", "check key is wrong"),
        ("35600000049838", "check key is wrong"),
        ("7328293200007", "14 digits (this one has 13)"),
        ("7328293200007A", "14 digits and nothing else"),
    ],
)
def test_invalid_siret_message(siret, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_siret(siret)
    assert message in " ".join(excinfo.value.messages)


def test_normalize_strips_spaces_and_dots():
    assert normalize_siret(" 732.829.320 00074 ") == "73282932000074"
