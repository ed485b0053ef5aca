"""The structure form's look-up endpoint: staff only, JSON, bad input and a missing
registry answered with a message, never a server error."""

import pytest
from django.urls import reverse

from poles.models import HeadcountBand, LegalForm
from registry import provenance
from tests.factories import MembershipFactory, StructureFactory, editor, located_pole
from tests.registry import recorded

URL = reverse("admin:poles_structure_registry_lookup")

pytestmark = pytest.mark.django_db


def test_the_public_is_sent_to_the_login_page(client, recorded_registry):
    response = client.get(URL, {"q": "12345678200010"})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(
    client, django_user_model, recorded_registry
):
    user = django_user_model.objects.create_user("visitor", password="pw-test-123")
    client.force_login(user)

    assert client.get(URL, {"q": "12345678200010"}).status_code == 302


def test_staff_without_structure_permissions_are_refused(
    client, django_user_model, recorded_registry
):
    user = django_user_model.objects.create_user("bare", password="pw-test-123", is_staff=True)
    client.force_login(user)

    assert client.get(URL, {"q": "12345678200010"}).status_code == 403


def test_a_territorial_editor_may_look_up(client, recorded_registry):
    client.force_login(editor("territorial"))

    assert client.get(URL, {"q": "12345678200010"}).status_code == 200


def test_a_siret_gives_the_values_the_form_takes(staff_client, recorded_registry):
    response = staff_client.get(URL, {"q": "123 456 782 00010"})

    assert response.status_code == 200
    data = response.json()
    association = LegalForm.objects.get(slug="association")
    band = HeadcountBand.objects.get(code="11")
    assert data["found"] is True
    assert data["siret"] == "12345678200010"
    assert data["state"] == "active"
    assert data["message"] == (
        "Trouvé dans le registre SIRENE : ASSOCIATION SYNTHETIQUE D'ESSAI DU REGISTRE."
    )
    fields = {name: (field["value"], field["label"]) for name, field in data["fields"].items()}
    assert fields == {
        "name": (
            "ASSOCIATION SYNTHETIQUE D'ESSAI DU REGISTRE",
            "ASSOCIATION SYNTHETIQUE D'ESSAI DU REGISTRE",
        ),
        "legal_form": (str(association.pk), str(association)),
        "naf_code": ("88.99B", "88.99B"),
        "commune": ("60333", "Lachapelle-aux-Pots (60333)"),
        "headcount_band": (str(band.pk), str(band)),
        "is_ess": ("true", "oui"),
    }
    signed = provenance.unsign(data["token"])
    assert signed["siret"] == "12345678200010"
    assert signed["values"]["legal_form"] == str(association.pk)
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_siren_gives_the_seat(staff_client, recorded_registry):
    data = staff_client.get(URL, {"q": "123456782"}).json()

    assert data["siret"] == "12345678200010"


def test_a_closed_establishment_says_so(staff_client, recorded_registry):
    data = staff_client.get(URL, {"q": "98765432400027"}).json()

    assert data["state"] == "closed"
    assert "30/06/2024" in data["message"]
    assert data["fields"]["legal_form"]["value"] == str(LegalForm.objects.get(slug="sarl").pk)


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Tapez un SIRET (14 chiffres) ou un SIREN (9 chiffres)"),
        ("1234", "Tapez un SIRET (14 chiffres) ou un SIREN (9 chiffres)"),
        ("123456789", "La clé de contrôle de ce numéro SIREN est incorrecte"),
        ("12345678200011", "La clé de contrôle de ce numéro SIRET est incorrecte"),
        ("<script>", "Tapez un SIRET"),
        ("1" * 5000, "Tapez un SIRET"),
    ],
)
def test_bad_numbers_get_a_message(staff_client, recorded_registry, q, message):
    response = staff_client.get(URL, {"q": q})

    assert response.status_code == 400
    assert message in response.json()["message"]


def test_an_unknown_number_is_not_found(staff_client, recorded_registry):
    response = staff_client.get(URL, {"q": "98765432400019"})

    assert response.status_code == 404
    assert "n'est pas dans le registre SIRENE public" in response.json()["message"]


def test_offline_the_form_is_told_to_go_on_by_hand(staff_client):
    # The test settings: every request to the registry fails as offline.
    response = staff_client.get(URL, {"q": "12345678200010"})

    assert response.status_code == 503
    assert "remplissez les champs à la main" in response.json()["message"]


def test_each_staff_member_has_a_rate_limit(staff_client, recorded_registry, settings):
    settings.REGISTRY_LOOKUPS_PER_MINUTE = 2
    statuses = [staff_client.get(URL, {"q": "98765432400019"}).status_code for _ in range(3)]

    assert statuses == [404, 404, 429]


def test_public_pages_never_ask_the_registry(client, settings, django_user_model):
    settings.REGISTRY_TRANSPORT = recorded.COUNTING_TRANSPORT
    recorded.SEEN.clear()
    pole = located_pole("60333", name="Pôle d'essai du registre", slug="pole-essai-registre")
    MembershipFactory(pole=pole, structure=StructureFactory(siret="12345678200010"))

    for path in ["/", "/poles/", f"/poles/{pole.slug}/", "/poles/structures.csv", URL]:
        assert client.get(path, {"q": "12345678200010"}).status_code in {200, 302}

    assert recorded.SEEN == []
    # The transport does count: a staff look-up is one request.
    client.force_login(django_user_model.objects.create_superuser("registre", "r@example.org"))
    assert client.get(URL, {"q": "12345678200010"}).status_code == 200
    assert [request.url.params["q"] for request in recorded.SEEN] == ["12345678200010"]
