"""Reading the registry's answers, and INSEE's catégories juridiques → legal forms."""

import json
from datetime import date

import pytest

from poles.models import LegalForm
from registry.legal_forms import legal_form_slug
from registry.records import parse_search

from .recorded import RECORDINGS


def recording(name):
    return json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))


def test_a_siret_search_gives_the_establishment_and_its_legal_unit():
    record = parse_search(recording("12345678200010"), "12345678200010")

    assert record.siren == "123456782"
    assert record.siret == "12345678200010"
    assert record.name == "ASSOCIATION SYNTHETIQUE D'ESSAI DU REGISTRE"
    assert record.legal_category == "9220"
    assert record.naf_code == "88.99B"
    assert record.commune_code == "60333"
    assert record.headcount_code == "11"
    assert record.is_ess is True
    assert record.state == "active"
    assert record.closed_on is None


def test_a_siren_search_gives_the_seat():
    record = parse_search(recording("123456782"), "123456782")

    assert record.siret == "12345678200010"
    assert record.state == "active"


def test_a_closed_establishment_is_closed_even_when_its_seat_is_not():
    record = parse_search(recording("98765432400027"), "98765432400027")

    assert record.state == "closed"
    assert record.closed_on == date(2024, 6, 30)
    assert record.commune_code == "60057"  # the seat's commune
    assert record.is_ess is False


@pytest.mark.parametrize(
    "payload",
    [
        recording("not-found"),
        {},
        {"results": "nope"},
        {"results": [None, 3, {"siren": 123}]},
        # Another legal unit's answer: not this number's.
        recording("98765432400027"),
    ],
)
def test_an_answer_without_the_number_is_not_found(payload):
    assert parse_search(payload, "12345678200010") is None


def test_odd_values_are_left_out_rather_than_stored():
    payload = recording("12345678200010")
    result = payload["results"][0]
    result.update(activite_principale="<b>", tranche_effectif_salarie=12, nature_juridique=None)
    result["complements"]["est_ess"] = "oui"
    result["siege"]["commune"] = "PARIS"

    record = parse_search(payload, "12345678200010")

    assert (record.naf_code, record.headcount_code, record.commune_code) == ("", "", "")
    assert record.is_ess is None
    assert record.legal_category == ""


@pytest.mark.parametrize(
    ("code", "slug"),
    [
        ("9220", "association"),
        ("9222", "association-intermediaire"),
        ("9300", "fondation"),
        ("5458", "scop"),
        ("5558", "scop"),
        ("5460", "cooperative-autre"),  # INSEE has no SCIC code
        ("6317", "cooperative-agricole"),
        ("5499", "sarl"),
        ("5498", "sarl"),
        ("5599", "sa"),
        ("5710", "sas"),
        ("5720", "sas"),
        ("1000", "entreprise-individuelle"),
        ("7210", "collectivite-territoriale"),
        ("7346", "epci"),
        ("7381", "chambre-consulaire"),
        ("7383", "universite"),
        ("7410", "gip"),
        ("7361", "etablissement-public"),
        ("8210", "mutuelle"),
        ("6540", "autre"),
        ("", None),
        ("92", None),
    ],
)
@pytest.mark.django_db
def test_legal_categories_map_to_the_reference_legal_forms(code, slug):
    assert legal_form_slug(code) == slug
    if slug:
        assert LegalForm.objects.filter(slug=slug).exists()
