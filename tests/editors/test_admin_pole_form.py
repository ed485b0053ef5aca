"""The pole form without detours: member structures created inside their membership row,
figures typed the French way, labels that read well, and structures of no pole kept to
their creator."""

import html as html_module
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from reversion.models import Version
from stdnum import luhn

from editors.models import EditorProfile
from poles.models import KeyFigure, LegalForm, Membership, Pole, Structure
from territories.models import Commune
from tests.admin_forms import change_form_data, inline_prefix
from tests.factories import KeyFigureFactory, MembershipFactory, StructureFactory, editor
from tests.factories import located_pole as make_pole

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


def siret(prefix: str) -> str:
    """A SIRET with valid keys (its SIREN's and its own), for synthetic test structures,
    from 13 digits: the SIREN's key replaces the 9th."""
    siren = prefix[:8] + luhn.calc_check_digit(prefix[:8])
    body = siren + prefix[9:13]
    return body + luhn.calc_check_digit(body)


@pytest.fixture
def oise():
    return make_pole("60333", name="Pôle de test Oise")


@pytest.fixture
def coordinator(oise):
    return editor(Role.COORDINATOR, poles=[oise])


def add_texts(html: str) -> list[str]:
    """The "Add another" links' texts of the page's inlines (built by the admin's script
    from each inline's data-inline-formset)."""
    return [
        json.loads(html_module.unescape(raw))["options"]["addText"]
        for raw in re.findall(r'data-inline-formset="([^"]*)"', html)
    ]


def page_and_data(client, pole):
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, page, change_form_data(page)


def add_membership_rows(page, data, rows):
    prefix = inline_prefix(page, "membership")
    start = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        index = start + offset
        data[f"{prefix}-{index}-role"] = row.pop("role", "member")
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = start + len(rows)
    return prefix


def test_membership_rows_create_their_structures(client, oise, coordinator):
    client.force_login(coordinator)
    url, page, data = page_and_data(client, oise)
    html = page.content.decode()
    # The template row that "Add a member structure" copies offers the new fields,
    # with the hook of the registry look-up on the SIRET input.
    assert "data-new-structure-row" in html
    assert "data-siret-lookup" in html
    assert "Ajouter une structure membre" in add_texts(html)
    # No pop-up window to create one.
    assert 'id="add_id_memberships-__prefix__-structure"' not in html
    assert 'id="change_id_memberships-__prefix__-structure"' in html
    commune = Commune.objects.get(code="60057")  # Beauvais
    legal_form = LegalForm.objects.order_by("position").first()
    add_membership_rows(
        page,
        data,
        [
            {
                "new_structure_name": "Structure créée de test Un",
                "new_structure_siret": siret("1234567800001")[:3]
                + " "
                + siret("1234567800001")[3:],
                "new_structure_commune": commune.pk,
                "new_structure_legal_form": legal_form.pk,
                "joined_year": 2021,
            },
            {"new_structure_name": "Structure créée de test Deux", "role": "partner"},
            {
                "new_structure_name": "Structure créée de test Trois",
                "new_structure_siret": siret("9876543200002"),
            },
        ],
    )
    before = Pole.objects.get(pk=oise.pk).updated_at
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]

    created = Structure.objects.filter(name__startswith="Structure créée de test").order_by("name")
    assert [s.name for s in created] == [
        "Structure créée de test Deux",
        "Structure créée de test Trois",
        "Structure créée de test Un",
    ]
    one = created.get(name="Structure créée de test Un")
    assert (one.siret, one.commune, one.legal_form) == (siret("1234567800001"), commune, legal_form)
    assert all(structure.created_by == coordinator for structure in created)
    memberships = Membership.objects.filter(pole=oise, structure__in=created)
    assert sorted(memberships.values_list("structure__name", "role", "joined_year")) == [
        ("Structure créée de test Deux", "partner", None),
        ("Structure créée de test Trois", "member", None),
        ("Structure créée de test Un", "member", 2021),
    ]
    # In the same revision as the pole, by the editor: history and revert see them.
    pole_version = Version.objects.get_for_object(oise).first()
    assert pole_version.revision.user == coordinator
    assert Version.objects.get_for_object(one).first().revision == pole_version.revision
    # Derived data: the pole is stamped and its search text names its new members.
    oise.refresh_from_db()
    assert oise.updated_at > before
    assert "structure creee de test deux" in oise.search_text


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"new_structure_name": "Structure de test", "new_structure_siret": "12345678901234"},
            "new_structure_siret",
            "SIRET",
        ),
        ({"new_structure_siret": siret("1234567800001")}, "new_structure_name", "nom"),
        ({"role": "partner"}, "structure", "Choisissez une structure"),
    ],
)
def test_a_wrong_new_structure_is_refused_on_its_row(
    client, oise, coordinator, row, field, message
):
    client.force_login(coordinator)
    url, page, data = page_and_data(client, oise)
    prefix = add_membership_rows(page, data, [row])
    response = client.post(url, data)
    assert response.status_code == 200
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    )
    errors = formset.forms[-1].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Structure.objects.filter(name="Structure de test").exists()
    assert not Membership.objects.filter(pole=oise).exists()


def test_choosing_a_structure_and_describing_a_new_one_is_refused(client, oise, coordinator):
    existing = StructureFactory(name="Structure de test existante", created_by=coordinator)
    client.force_login(coordinator)
    url, page, data = page_and_data(client, oise)
    add_membership_rows(
        page, data, [{"structure": existing.pk, "new_structure_name": "Structure de test neuve"}]
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "pas les deux" in response.content.decode()
    assert not Structure.objects.filter(name="Structure de test neuve").exists()


def test_a_siret_already_recorded_or_given_twice_is_refused(client, oise, coordinator):
    number = siret("5550001100001")
    client.force_login(coordinator)
    url, page, data = page_and_data(client, oise)
    add_membership_rows(
        page,
        data,
        [
            {"new_structure_name": "Structure de test A", "new_structure_siret": number},
            {"new_structure_name": "Structure de test B", "new_structure_siret": number},
        ],
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "créent la même structure" in response.content.decode()
    assert not Structure.objects.filter(siret=number).exists()

    StructureFactory(name="Structure de test déjà là", siret=number)
    url, page, data = page_and_data(client, oise)
    add_membership_rows(
        page, data, [{"new_structure_name": "Structure de test A", "new_structure_siret": number}]
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Une autre structure a déjà ce numéro SIRET" in response.content.decode()
    assert Structure.objects.filter(siret=number).count() == 1


def test_a_new_pole_with_new_members_and_figures_in_one_form(client):
    user = editor(Role.NATIONAL)
    client.force_login(user)
    page = client.get(reverse("admin:poles_pole_add"))
    assert page.status_code == 200
    data = {
        "name": "Pôle de test ajouté",
        "slug": "pole-de-test-ajoute",
        "status": "actif",
        "seat_commune": "60057",
        "figures-TOTAL_FORMS": 1,
        "figures-INITIAL_FORMS": 0,
        "figures-0-year": 2024,
        "figures-0-etp": "0,75",
        "figures-0-turnover": "4 400 000 €",
        "memberships-TOTAL_FORMS": 3,
        "memberships-INITIAL_FORMS": 0,
    }
    for index in range(3):
        data[f"memberships-{index}-new_structure_name"] = f"Structure de test membre {index}"
        data[f"memberships-{index}-role"] = "animator" if index == 0 else "member"
    for prefix in ("colleges", "sources", "photos"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(reverse("admin:poles_pole_add"), data)
    assert response.status_code == 302, response.context["errors"]
    pole = Pole.objects.get(slug="pole-de-test-ajoute")
    figure = KeyFigure.objects.get(pole=pole)
    assert (figure.year, figure.etp, figure.turnover) == (2024, Decimal("0.75"), 4_400_000)
    assert sorted(pole.memberships.values_list("structure__name", flat=True)) == [
        f"Structure de test membre {index}" for index in range(3)
    ]


@pytest.mark.parametrize(
    ("etp", "turnover", "stored"),
    [
        ("0,75", "4 400 000", (Decimal("0.75"), 4_400_000)),
        ("12.5", "4400000,00", (Decimal("12.5"), 4_400_000)),
        ("1\u202f234,25", "4\u00a0400\u00a0000\u00a0€", (Decimal("1234.25"), 4_400_000)),
    ],
)
def test_figures_are_typed_the_french_way(client, oise, coordinator, etp, turnover, stored):
    figure = KeyFigureFactory(pole=oise, year=2023)
    client.force_login(coordinator)
    url, page, data = page_and_data(client, oise)
    html = page.content.decode()
    assert 'value="10,00"' in html  # the stored ETP, shown the French way
    prefix = inline_prefix(page, "keyfigure")
    data[f"{prefix}-0-etp"] = etp
    data[f"{prefix}-0-turnover"] = turnover
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    figure.refresh_from_db()
    assert (figure.etp, figure.turnover) == stored


@pytest.mark.parametrize(
    ("etp", "turnover", "message"),
    [
        ("0,755", "1000", "2 chiffres après la virgule"),
        ("trois", "1000", "Saisissez un nombre"),
        ("1", "4,4 M€", "Saisissez un nombre entier d"),
    ],
)
def test_wrong_figures_get_a_french_message(client, oise, coordinator, etp, turnover, message):
    figure = KeyFigureFactory(pole=oise, year=2023)
    client.force_login(coordinator)
    url, page, data = page_and_data(client, oise)
    prefix = inline_prefix(page, "keyfigure")
    data[f"{prefix}-0-etp"] = etp
    data[f"{prefix}-0-turnover"] = turnover
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    figure.refresh_from_db()
    assert (figure.etp, figure.turnover) == (Decimal("10"), 500_000)


def test_labels_read_well_in_french(client, oise):
    user = editor(Role.NATIONAL)
    client.force_login(user)
    html = client.get(reverse("admin:poles_pole_change", args=[oise.pk])).content.decode()
    texts = add_texts(html)
    assert "Ajouter les chiffres d'une autre année" in texts
    assert not any("Chiffres clés" in text for text in texts)
    assert not any("un objet" in text for text in texts)
    # The derived coverage table has no permissions to list (their names were English).
    assert not Permission.objects.filter(content_type__model="polecoverage").exists()


def test_the_login_lockout_action_is_in_french(admin_client):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="quelqu-un", ip_address="192.0.2.1", failures_since_start=1
    )
    html = admin_client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "Clean up expired attempts" not in html
    assert "Supprimer les tentatives expirées" in html


# Structures of no pole ---------------------------------------------------------------


def structure_names(client):
    response = client.get(reverse("admin:poles_structure_changelist"))
    assert response.status_code == 200
    return {structure.name for structure in response.context["cl"].result_list}


def autocomplete_names(client, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": term,
            "app_label": "poles",
            "model_name": "membership",
            "field_name": "structure",
        },
    )
    assert response.status_code == 200
    return {item["text"] for item in response.json()["results"]}


def test_a_structure_of_no_pole_is_seen_only_by_its_creator(client, oise, coordinator):
    """Created in the pole form, then removed from the pole: its creator still finds it
    (to attach it again), other editors do not; national administrators see all."""
    client.force_login(coordinator)
    url, page, data = page_and_data(client, oise)
    add_membership_rows(page, data, [{"new_structure_name": "Structure de test orpheline"}])
    assert client.post(url, data).status_code == 302
    orphan = Structure.objects.get(name="Structure de test orpheline")
    Membership.objects.filter(structure=orphan).delete()

    # Made in the pop-up (the structure's own add page): the same rule.
    response = client.post(
        reverse("admin:poles_structure_add"),
        {
            "name": "Structure de test du pop-up",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    popup = Structure.objects.get(name="Structure de test du pop-up")
    assert popup.created_by == coordinator

    assert {"Structure de test orpheline", "Structure de test du pop-up"} <= structure_names(client)
    assert "Structure de test orpheline" in autocomplete_names(client, "orpheline")

    neighbour = editor(Role.COORDINATOR, poles=[make_pole("60057", name="Pôle de test voisin")])
    territorial = editor(Role.TERRITORIAL, regions=[oise.seat_commune.departement.region])
    for other in (neighbour, territorial):
        client.force_login(other)
        names = structure_names(client)
        assert "Structure de test orpheline" not in names
        assert "Structure de test du pop-up" not in names
        assert "Structure de test orpheline" not in autocomplete_names(client, "orpheline")
        page = client.get(reverse("admin:poles_structure_change", args=[orphan.pk]))
        assert page.status_code == 404

    # Attaching it by a crafted POST is refused too.
    client.force_login(territorial)
    url, page, data = page_and_data(client, oise)
    add_membership_rows(page, data, [{"structure": orphan.pk}])
    assert client.post(url, data).status_code == 200
    assert not Membership.objects.filter(structure=orphan).exists()

    client.force_login(editor(Role.NATIONAL))
    assert {"Structure de test orpheline", "Structure de test du pop-up"} <= structure_names(client)


def test_a_structure_in_a_pole_is_seen_by_the_poles_editors_whoever_created_it(client, oise):
    creator = editor(Role.NATIONAL)
    structure = StructureFactory(name="Structure de test rattachée", created_by=creator)
    MembershipFactory(pole=oise, structure=structure)
    client.force_login(editor(Role.COORDINATOR, poles=[oise]))
    assert "Structure de test rattachée" in structure_names(client)


# The registry look-up in a new structure's row -----------------------------------------

LOOKUP_URL = reverse("admin:poles_structure_registry_lookup")
LOOKED_UP_SIRET = "12345678200010"  # tests/registry/recordings/: a synthetic association


@pytest.fixture
def recorded_registry(settings):
    from django.core.cache import cache

    from tests.registry.recorded import TRANSPORT

    settings.REGISTRY_TRANSPORT = TRANSPORT
    cache.clear()  # free the per-user look-up counters
    yield
    cache.clear()


def test_the_new_structure_row_offers_the_registry_look_up(client, oise, coordinator):
    """The row's SIRET input calls the structure admin's look-up endpoint, the page loads
    the look-up script, and the row's inputs are named as the script finds them (the
    SIRET input's name with `siret` replaced by `name`, `commune`, `legal_form`,
    `registry_token`)."""
    client.force_login(coordinator)
    _url, page, _data = page_and_data(client, oise)
    html = page.content.decode()
    siret_input = re.search(
        r'<input[^>]*name="memberships-__prefix__-new_structure_siret"[^>]*>', html
    )
    assert siret_input, "no SIRET input in the template row"
    assert f'data-siret-lookup="{LOOKUP_URL}"' in siret_input.group()
    assert "data-siret-lookup-messages=" in siret_input.group()
    assert 'data-new-structure="siret"' in siret_input.group()
    assert "registry/siret_lookup.js" in html
    for name in ("name", "commune", "legal_form", "registry_token"):
        assert f'name="memberships-__prefix__-new_structure_{name}"' in html


def looked_up(client, number=LOOKED_UP_SIRET) -> dict:
    response = client.get(LOOKUP_URL, {"q": number})
    assert response.status_code == 200, response.content
    return response.json()


def registry_row(lookup, **changes) -> dict:
    row = {
        "new_structure_name": lookup["fields"]["name"]["value"],
        "new_structure_siret": lookup["siret"],
        "new_structure_commune": lookup["fields"]["commune"]["value"],
        "new_structure_legal_form": lookup["fields"]["legal_form"]["value"],
        "new_structure_registry_token": lookup["token"],
    }
    row.update(changes)
    return row


def test_a_structure_created_in_its_row_records_what_came_from_the_registry(
    client, oise, coordinator, recorded_registry
):
    client.force_login(coordinator)
    lookup = looked_up(client)
    url, page, data = page_and_data(client, oise)
    add_membership_rows(
        page,
        data,
        [
            registry_row(lookup),
            # Looked up, then the name typed over by hand: not the registry's.
            registry_row(
                looked_up(client, "98765432400027"),
                new_structure_name="Nom saisi à la main (essai)",
            ),
        ],
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]

    structure = Structure.objects.get(siret=LOOKED_UP_SIRET)
    assert structure.name == "ASSOCIATION SYNTHETIQUE D'ESSAI DU REGISTRE"
    assert structure.registry_fields == ["commune", "legal_form", "name"]
    assert structure.registry_state == Structure.RegistryState.ACTIVE
    assert structure.registry_checked_at is not None
    assert structure.created_by == coordinator
    typed = Structure.objects.get(siret="98765432400027")
    assert typed.name == "Nom saisi à la main (essai)"
    assert typed.registry_fields == ["commune", "legal_form"]
    assert typed.registry_state == Structure.RegistryState.CLOSED
    # Saved with the pole, in its revision: the version of the structure holds its
    # registry columns.
    version = Version.objects.get_for_object(structure).get()
    assert version.revision.version_set.filter(object_id=str(oise.pk)).exists()
    assert version.field_dict["registry_fields"] == ["commune", "legal_form", "name"]


def test_a_forged_token_in_a_row_claims_nothing(client, oise, coordinator, recorded_registry):
    client.force_login(coordinator)
    lookup = looked_up(client)
    url, page, data = page_and_data(client, oise)
    add_membership_rows(
        page, data, [registry_row(lookup, new_structure_registry_token=lookup["token"] + "x")]
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    structure = Structure.objects.get(siret=LOOKED_UP_SIRET)
    assert (structure.registry_fields, structure.registry_state) == ([], "")
