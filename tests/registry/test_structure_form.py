"""The structure form remembers which fields came from the registry, and its page says
which and when."""

import html

import pytest
from django.urls import reverse

from poles.models import HeadcountBand, LegalForm, Structure
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:poles_structure_add")
LOOKUP_URL = reverse("admin:poles_structure_registry_lookup")


def looked_up(client, number="12345678200010") -> dict:
    return client.get(LOOKUP_URL, {"q": number}).json()


def form_data(lookup: dict, **changes) -> dict:
    """What the form posts once the look-up's script has filled it."""
    fields = {name: field["value"] for name, field in lookup["fields"].items()}
    data = {
        "name": fields["name"],
        "siret": lookup["siret"],
        "legal_form": fields["legal_form"],
        "naf_code": fields["naf_code"],
        "headcount_band": fields["headcount_band"],
        "commune": fields["commune"],
        "is_ess": fields["is_ess"],
        "registry_token": lookup["token"],
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_fields_saved_as_the_registry_gave_them_are_marked(staff_client, recorded_registry):
    lookup = looked_up(staff_client)

    # Typed with spaces, as people do: the same SIRET as the one looked up.
    response = staff_client.post(
        ADD_URL, form_data(lookup, name="Association d'essai", siret="123 456 782 00010")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    structure = Structure.objects.get(siret="12345678200010")
    assert structure.legal_form == LegalForm.objects.get(slug="association")
    assert structure.headcount_band == HeadcountBand.objects.get(code="11")
    assert structure.commune_id == "60333"
    assert (structure.naf_code, structure.is_ess) == ("88.99B", True)
    # The name was typed by hand: not the registry's.
    assert structure.registry_fields == [
        "commune",
        "headcount_band",
        "is_ess",
        "legal_form",
        "naf_code",
    ]
    assert structure.registry_state == "active"
    assert structure.registry_checked_at is not None


def test_the_change_page_says_which_fields_came_from_the_registry_and_when(
    staff_client, recorded_registry
):
    staff_client.post(ADD_URL, form_data(looked_up(staff_client)))
    structure = Structure.objects.get(siret="12345678200010")

    page = staff_client.get(reverse("admin:poles_structure_change", args=[structure.pk]))

    text = html.unescape(page.content.decode())
    assert "Vérifié dans le registre SIRENE le" in text
    assert "Établissement actif." in text
    assert (
        "Venus du registre : nom, forme juridique, code NAF, tranche d'effectif, commune, "
        "économie sociale et solidaire." in text
    )


def test_a_field_changed_by_hand_later_is_no_longer_the_registrys(staff_client, recorded_registry):
    staff_client.post(ADD_URL, form_data(looked_up(staff_client)))
    structure = Structure.objects.get(siret="12345678200010")
    url = reverse("admin:poles_structure_change", args=[structure.pk])
    data = change_form_data(staff_client.get(url))
    data["naf_code"] = "94.99Z"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.naf_code == "94.99Z"
    assert "naf_code" not in structure.registry_fields
    assert "legal_form" in structure.registry_fields


def test_a_forged_token_claims_nothing(staff_client, recorded_registry):
    lookup = looked_up(staff_client)

    staff_client.post(ADD_URL, form_data(lookup, registry_token=lookup["token"] + "x"))

    structure = Structure.objects.get(siret="12345678200010")
    assert structure.registry_fields == []
    assert structure.registry_checked_at is None


def test_the_token_of_another_number_claims_nothing(staff_client, recorded_registry):
    lookup = looked_up(staff_client)
    other = looked_up(staff_client, "98765432400027")

    staff_client.post(ADD_URL, form_data(lookup, registry_token=other["token"]))

    assert Structure.objects.get(siret="12345678200010").registry_fields == []


def test_the_form_works_without_the_registry(staff_client):
    response = staff_client.post(
        ADD_URL,
        {
            "name": "Structure saisie à la main",
            "siret": "12345678200010",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    structure = Structure.objects.get(siret="12345678200010")
    assert structure.registry_fields == []
    page = staff_client.get(reverse("admin:poles_structure_change", args=[structure.pk]))
    assert "Pas encore vérifié dans le registre SIRENE" in page.content.decode()
    assert 'data-siret-lookup="/admin/poles/structure/registry-lookup/"' in page.content.decode()
