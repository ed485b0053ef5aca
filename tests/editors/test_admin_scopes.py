"""Each kind of editor sees and edits only their scope, whatever URL or POST they try."""

import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from editors.models import EditorProfile
from editors.services import COORDINATOR_GROUP, NATIONAL_GROUP, TERRITORIAL_GROUP
from members.models import Cooperator
from poles.models import Membership, Network, Pole, Sector, Structure
from territories.models import Commune, Departement, Region
from tests.admin_forms import change_form_data, inline_prefix, registered_models
from tests.factories import (
    CollegeFactory,
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    StructureFactory,
    editor,
    located_pole,
)

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


@pytest.fixture
def world():
    """Two synthetic poles far apart: one in Oise (Hauts-de-France), one in Marseille,
    the latter in a network; a structure of each, and one shared by both."""
    network = Network.objects.create(slug="reseau-de-test", name="Réseau de test")
    oise = located_pole("60333", name="Pôle de test Oise")
    marseille = located_pole("13055", name="Pôle de test Marseille")
    marseille.networks.set([network])
    oise_structure = StructureFactory(name="Structure de test Oise")
    marseille_structure = StructureFactory(name="Structure de test Marseille")
    shared = StructureFactory(name="Structure de test partagée")
    MembershipFactory(pole=oise, structure=oise_structure)
    MembershipFactory(pole=marseille, structure=marseille_structure)
    MembershipFactory(pole=oise, structure=shared, note="note Oise")
    MembershipFactory(pole=marseille, structure=shared, note="note privée Marseille")
    KeyFigureFactory(pole=oise)
    KeyFigureFactory(pole=marseille)
    CooperatorFactory(pole=oise, name="Coopérateur de test Oise")
    CooperatorFactory(
        pole=marseille,
        kind=Cooperator.Kind.PERSON,
        name="Personne de test Marseille",
        email="personne-test-marseille@example.org",
    )
    return {
        "network": network,
        "oise": oise,
        "marseille": marseille,
        "oise_structure": oise_structure,
        "marseille_structure": marseille_structure,
        "shared": shared,
    }


def make_editor(kind, world):
    if kind == "national":
        return editor(Role.NATIONAL)
    if kind == "region":
        return editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")])
    if kind == "departement":
        return editor(Role.TERRITORIAL, departements=[Departement.objects.get(code="60")])
    if kind == "network":
        return editor(Role.TERRITORIAL, networks=[world["network"]])
    if kind == "coordinator":
        return editor(Role.COORDINATOR, poles=[world["oise"]])
    raise ValueError(kind)


# Which of the two poles each kind of editor may see.
VISIBLE = {
    "national": {"oise", "marseille"},
    "region": {"oise"},
    "departement": {"oise"},
    "network": {"marseille"},
    "coordinator": {"oise"},
}
KINDS = list(VISIBLE)


def login(client, user):
    client.force_login(user)
    return client


def changelist(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("kind", KINDS)
def test_changelists_show_only_the_scope(client, world, kind):
    login(client, make_editor(kind, world))
    visible = {world[key] for key in VISIBLE[kind]}
    assert set(changelist(client, "admin:poles_pole_changelist")) == visible
    assert {figure.pole for figure in changelist(client, "admin:poles_keyfigure_changelist")} == (
        visible
    )
    assert {m.pole for m in changelist(client, "admin:poles_membership_changelist")} == visible
    assert {c.pole for c in changelist(client, "admin:members_cooperator_changelist")} == visible
    structures = set(changelist(client, "admin:poles_structure_changelist"))
    expected = {world["shared"]} | {world[f"{key}_structure"] for key in VISIBLE[kind]}
    assert structures == expected


@pytest.mark.parametrize("kind", KINDS)
def test_out_of_scope_pages_are_not_found(client, world, kind):
    login(client, make_editor(kind, world))
    for key in ("oise", "marseille"):
        pole = world[key]
        urls = [
            reverse("admin:poles_pole_change", args=[pole.pk]),
            reverse("admin:poles_pole_history", args=[pole.pk]),
        ]
        figure = pole.figures.get()
        urls.append(reverse("admin:poles_keyfigure_change", args=[figure.pk]))
        cooperator = pole.cooperators.get()
        urls.append(reverse("admin:members_cooperator_change", args=[cooperator.pk]))
        expected = 200 if key in VISIBLE[kind] else 404
        for url in urls:
            assert client.get(url).status_code == expected, url
        structure = world[f"{key}_structure"]
        url = reverse("admin:poles_structure_change", args=[structure.pk])
        assert client.get(url).status_code == expected


def test_out_of_scope_delete_page_and_post_are_refused(client, world):
    login(client, make_editor("region", world))
    marseille = world["marseille"]
    url = reverse("admin:poles_pole_delete", args=[marseille.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"post": "yes"}).status_code == 404
    assert Pole.objects.filter(pk=marseille.pk).exists()


def test_crafted_post_moving_the_seat_out_of_scope_is_refused(client, world):
    login(client, make_editor("departement", world))
    oise = world["oise"]
    url = reverse("admin:poles_pole_change", args=[oise.pk])
    data = change_form_data(client.get(url))
    data["seat_commune"] = "13055"  # Marseille
    data["latitude"], data["longitude"] = "43.29160", "5.37920"
    # The admin speaks the language the browser asks for (French by default).
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "seat_commune" in form.errors
    assert "outside your editing scope" in str(form.errors["seat_commune"])
    oise.refresh_from_db()
    assert oise.seat_commune_id == "60333"


def test_a_seat_inside_the_scope_is_saved(client, world):
    login(client, make_editor("region", world))
    oise = world["oise"]
    url = reverse("admin:poles_pole_change", args=[oise.pk])
    data = change_form_data(client.get(url))
    beauvais = Commune.objects.get(code="60057")
    data.update(seat_commune="60057", latitude=beauvais.latitude, longitude=beauvais.longitude)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    oise.refresh_from_db()
    assert oise.seat_commune_id == "60057"


def test_network_editor_cannot_drop_the_network_that_puts_the_pole_in_scope(client, world):
    login(client, make_editor("network", world))
    marseille = world["marseille"]
    url = reverse("admin:poles_pole_change", args=[marseille.pk])
    data = change_form_data(client.get(url))
    data.pop("networks")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "networks" in response.context["adminform"].form.errors
    assert list(marseille.networks.all()) == [world["network"]]


def test_territorial_editor_cannot_create_a_pole_outside_the_territory(client, world):
    login(client, make_editor("departement", world))
    url = reverse("admin:poles_pole_add")
    data = {
        "name": "Pôle de test ajouté",
        "slug": "pole-de-test-ajoute",
        "status": "actif",
        "seat_commune": "13055",
    }
    for prefix in ("figures", "memberships", "colleges", "sources", "photos"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "seat_commune" in response.context["adminform"].form.errors
    assert not Pole.objects.filter(slug="pole-de-test-ajoute").exists()


def test_coordinator_cannot_attach_another_poles_structure(client, world):
    coordinator = make_editor("coordinator", world)
    login(client, coordinator)
    oise = world["oise"]
    url = reverse("admin:poles_pole_change", args=[oise.pk])
    page = client.get(url)
    data = change_form_data(page)
    prefix = inline_prefix(page, "membership")
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    data[f"{prefix}-{index}-structure"] = world["marseille_structure"].pk
    data[f"{prefix}-{index}-role"] = "member"
    response = client.post(url, data)
    assert response.status_code == 200
    assert not Membership.objects.filter(pole=oise, structure=world["marseille_structure"]).exists()
    # Nor a structure of no pole that another editor created (or of unknown creator).
    for creator in (make_editor("national", world), None):
        unknown = StructureFactory(
            name="Structure de test sans pôle d'un autre", created_by=creator
        )
        data[f"{prefix}-{index}-structure"] = unknown.pk
        assert client.post(url, data).status_code == 200
        assert not Membership.objects.filter(pole=oise, structure=unknown).exists()
    # A structure of no pole they created (just now, in a pop-up) can be attached.
    orphan = StructureFactory(name="Structure de test sans pôle", created_by=coordinator)
    data[f"{prefix}-{index}-structure"] = orphan.pk
    response = client.post(url, data)
    assert response.status_code == 302
    assert Membership.objects.filter(pole=oise, structure=orphan).exists()


def test_membership_admin_refuses_a_pole_out_of_scope(client, world):
    login(client, make_editor("coordinator", world))
    response = client.post(
        reverse("admin:poles_membership_add"),
        {"pole": world["marseille"].pk, "structure": world["oise_structure"].pk, "role": "member"},
    )
    assert response.status_code == 200
    assert "pole" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(
        pole=world["marseille"], structure=world["oise_structure"]
    ).exists()


def autocomplete(client, model_name, field_name, term=""):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "poles", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return {result["text"] for result in json.loads(response.content)["results"]}


@pytest.mark.parametrize("kind", KINDS)
def test_autocomplete_results_are_scoped(client, world, kind):
    login(client, make_editor(kind, world))
    poles = autocomplete(client, "keyfigure", "pole", "test")
    assert poles == {world[key].name for key in VISIBLE[kind]}
    structures = autocomplete(client, "membership", "structure", "structure de test")
    expected = {world["shared"].name} | {world[f"{k}_structure"].name for k in VISIBLE[kind]}
    assert structures == expected
    # Reference lists and communes stay searchable for everyone.
    Sector.objects.get_or_create(slug="secteur-de-test", defaults={"name": "Secteur de test"})
    assert "Secteur de test" in autocomplete(client, "pole", "sectors", "secteur de test")
    # Seat communes: only the editor's territory and the départements of their poles.
    offers_marseille = any(
        "(13055)" in text for text in autocomplete(client, "pole", "seat_commune", "marseille")
    )
    assert offers_marseille == (kind in ("national", "network"))
    offers_beauvais = any(
        "Beauvais" in text for text in autocomplete(client, "pole", "seat_commune", "beauvais")
    )
    assert offers_beauvais == (kind != "network")
    # Communes stay searchable elsewhere (a structure's commune).
    assert any(
        "(13055)" in text for text in autocomplete(client, "structure", "commune", "marseille")
    )


def test_shared_structure_shows_only_own_poles_memberships(client, world):
    login(client, make_editor("coordinator", world))
    shared = world["shared"]
    url = reverse("admin:poles_structure_change", args=[shared.pk])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "note Oise" in content
    assert "note privée Marseille" not in content
    assert "Personne de test Marseille" not in content
    # Saving the structure leaves the other pole's membership alone.
    data = change_form_data(page)
    data["name"] = "Structure de test partagée renommée"
    response = client.post(url, data)
    assert response.status_code == 302
    assert shared.memberships.count() == 2
    # ... but deleting it would remove it from the other pole: refused.
    assert client.get(reverse("admin:poles_structure_delete", args=[shared.pk])).status_code == 403
    assert Structure.objects.filter(pk=shared.pk).exists()


def test_reference_lists_and_territories_are_read_only_for_territorial_editors(client, world):
    login(client, make_editor("region", world))
    sector = Sector.objects.first()
    for url_name, args in [
        ("admin:poles_sector_change", [sector.pk]),
        ("admin:territories_commune_change", ["60333"]),
    ]:
        url = reverse(url_name, args=args)
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert client.post(url, {"name": "Nom de test"}).status_code == 403
    assert client.get(reverse("admin:poles_sector_add")).status_code == 403
    assert client.get(reverse("admin:territories_region_add")).status_code == 403
    sector.refresh_from_db()
    assert sector.name != "Nom de test"


def test_editor_profiles_are_managed_by_national_administrators_only(client, world):
    login(client, make_editor("region", world))
    assert client.get(reverse("admin:editors_editorprofile_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    login(client, make_editor("national", world))
    assert client.get(reverse("admin:editors_editorprofile_changelist")).status_code == 200
    response = client.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 200


def test_national_administrator_sets_an_editors_scope_on_the_user_page(client, world):
    national = make_editor("national", world)
    login(client, national)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "editeur-test-nouveau",
            "password1": "",
            "password2": "",
            "usable_password": "false",
        },
    )
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="editeur-test-nouveau")
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = client.get(url)
    data = change_form_data(page)
    data.pop("date_joined", None)
    data.update(
        {
            "date_joined_0": "2026-01-05",
            "date_joined_1": "10:00:00",
            "is_staff": "on",
            "is_active": "on",
            "editor_profile-TOTAL_FORMS": 1,
            "editor_profile-INITIAL_FORMS": 0,
            "editor_profile-0-role": "territorial",
            "editor_profile-0-departements": ["60"],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.editor_profile.role == "territorial"
    assert list(user.groups.values_list("name", flat=True)) == [TERRITORIAL_GROUP]
    assert not user.is_superuser


def test_setup_editor_groups_gives_each_role_its_permissions():
    from django.core.management import call_command

    call_command("setup_editor_groups", stdout=__import__("io").StringIO())
    national = Group.objects.get(name=NATIONAL_GROUP)
    territorial = Group.objects.get(name=TERRITORIAL_GROUP)
    coordinator = Group.objects.get(name=COORDINATOR_GROUP)
    codes = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in (national, territorial, coordinator)
    }
    assert {"change_sector", "add_editorprofile", "add_user"} <= codes[NATIONAL_GROUP]
    assert {"add_pole", "change_pole", "delete_pole", "change_cooperator"} <= codes[
        TERRITORIAL_GROUP
    ]
    assert "view_sector" in codes[TERRITORIAL_GROUP]
    assert "change_sector" not in codes[TERRITORIAL_GROUP]
    assert "change_pole" in codes[COORDINATOR_GROUP]
    assert not {"add_pole", "delete_pole"} & codes[COORDINATOR_GROUP]


def test_cooperator_college_choices_are_the_editors_poles(client, world):
    login(client, make_editor("coordinator", world))
    other_college = CollegeFactory(pole=world["marseille"])
    response = client.post(
        reverse("admin:members_cooperator_add"),
        {
            "pole": world["oise"].pk,
            "kind": "organisation",
            "name": "Coopérateur de test ajouté",
            "college": other_college.pk,
        },
    )
    assert response.status_code == 200
    assert "college" in response.context["adminform"].form.errors
    assert not Cooperator.objects.filter(name="Coopérateur de test ajouté").exists()


def test_every_admin_page_opens_for_a_territorial_editor(client, world):
    """No 500 anywhere: changelists open, add pages open or are refused."""

    login(client, make_editor("region", world))
    for model in registered_models():
        opts = model._meta
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code in (200, 403), opts.label
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert response.status_code in (200, 403), opts.label


def test_bulk_deleting_a_shared_structure_is_refused(client, world):
    login(client, make_editor("coordinator", world))
    shared = world["shared"]
    response = client.post(
        reverse("admin:poles_structure_changelist"),
        {"action": "delete_selected", "_selected_action": [shared.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert Structure.objects.filter(pk=shared.pk).exists()
    assert shared.memberships.count() == 2


def move_seat(client, pole, code):
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    seat = Commune.objects.get(code=code)
    data.update(seat_commune=code, latitude=seat.latitude, longitude=seat.longitude)
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(
    ("kind", "pole", "elsewhere", "nearby"),
    [
        # Marseille is outside; Lille is in the région but another département.
        ("coordinator", "oise", ["13055", "59350"], "60057"),
        # The network's pole stays in Bouches-du-Rhône: not taken to Lille or Beauvais.
        ("network", "marseille", ["59350", "60057"], "13001"),
    ],
)
def test_a_seat_moves_only_within_the_poles_current_territory(
    client, world, kind, pole, elsewhere, nearby
):
    """A coordinator (or a network editor) cannot take a pole out of the territorial
    editors' scope by moving its seat: only within its current département, unless the
    editor's own territory covers the new seat."""
    login(client, make_editor(kind, world))
    pole = world[pole]
    before = pole.seat_commune_id
    for code in elsewhere:
        response = move_seat(client, pole, code)
        assert response.status_code == 200, code
        errors = response.context["adminform"].form.errors
        assert "seat_commune" in errors, code
        pole.refresh_from_db()
        assert pole.seat_commune_id == before
    response = move_seat(client, pole, nearby)
    assert response.status_code == 302, response.context["adminform"].form.errors
    pole.refresh_from_db()
    assert pole.seat_commune_id == nearby
