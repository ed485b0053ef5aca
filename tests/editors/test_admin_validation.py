"""Validation errors appear on the field, with what to do, and nothing half-saved."""

import pytest
from django.urls import reverse

from editors.models import EditorProfile
from poles.models import LegalForm, Membership, Structure
from tests.admin_forms import change_form_data, inline_prefix
from tests.factories import StructureFactory, editor, located_pole

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(editor(EditorProfile.Role.NATIONAL))
    return client


def add_membership_rows(page, data, rows):
    prefix = inline_prefix(page, "membership")
    start = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{start + offset}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = start + len(rows)
    return prefix


def test_two_current_animators_in_one_submission_are_reported(staff):
    pole = located_pole("60333")
    first, second = StructureFactory(), StructureFactory()
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff.get(url)
    data = change_form_data(page)
    add_membership_rows(
        page,
        data,
        [
            {"structure": first.pk, "role": "animator"},
            {"structure": second.pk, "role": "animator"},
        ],
    )
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Membership
    )
    assert "one current animator" in " ".join(formset.non_form_errors())
    assert any("left_year" in form.errors for form in formset.forms)
    assert not pole.memberships.exists()


def test_a_second_current_animator_against_the_stored_one_is_reported(staff):
    pole = located_pole("60333")
    Membership.objects.create(pole=pole, structure=StructureFactory(), role="animator")
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff.get(url)
    data = change_form_data(page)
    add_membership_rows(page, data, [{"structure": StructureFactory().pk, "role": "animator"}])
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "already has a current animator" in response.content.decode()
    assert pole.memberships.count() == 1


def test_left_year_before_joined_year_is_an_error_on_the_field(staff):
    pole = located_pole("60333")
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff.get(url)
    data = change_form_data(page)
    add_membership_rows(
        page,
        data,
        [
            {
                "structure": StructureFactory().pk,
                "role": "member",
                "joined_year": 2020,
                "left_year": 2018,
            }
        ],
    )
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Membership
    )
    assert "The year left cannot precede the year joined." in str(
        formset.forms[-1].errors["left_year"]
    )
    assert not pole.memberships.exists()


def test_coordinates_outside_france_are_an_error_on_the_field(staff):
    pole = located_pole("60333")
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(staff.get(url))
    data.update(latitude="5.37920", longitude="43.29160")  # swapped
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "outside France" in str(response.context["adminform"].form.errors["latitude"])


def test_invalid_siret_key_is_an_error_on_the_field(staff):
    response = staff.post(
        reverse("admin:poles_structure_add"),
        {
            "name": "Structure de test SIRET faux",
            "siret": "73282932000075",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "siret" in response.context["adminform"].form.errors
    assert not Structure.objects.filter(name="Structure de test SIRET faux").exists()


def test_college_weights_must_add_up_in_the_pole_form(staff):
    pole = located_pole("60333", legal_form=LegalForm.objects.get(slug="scic"))
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff.get(url)
    data = change_form_data(page)
    prefix = inline_prefix(page, "college")
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 2,
            f"{prefix}-0-name": "Salariés",
            f"{prefix}-0-vote_weight": "40",
            f"{prefix}-1-name": "Usagers",
            f"{prefix}-1-vote_weight": "40",
            f"{prefix}-0-position": 0,
            f"{prefix}-1-position": 1,
        }
    )
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "add up to 80 % instead of 100 %" in response.content.decode()
    assert not pole.colleges.exists()


# Replacing the animator in one save ------------------------------------------------


def _membership_index(page, membership) -> int:
    prefix = inline_prefix(page, "membership")
    formset = next(
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    )
    return next(i for i, form in enumerate(formset.initial_forms) if form.instance == membership)


def _current_animator(pole):
    return pole.memberships.get(role="animator", left_year__isnull=True).structure


def test_the_animator_is_replaced_by_a_new_row_in_one_save(staff):
    pole = located_pole("60333")
    old = Membership.objects.create(
        pole=pole, structure=StructureFactory(name="Ancien animateur (test)"), role="animator"
    )
    new = StructureFactory(name="Nouvel animateur (test)")
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff.get(url)
    data = change_form_data(page)
    prefix = add_membership_rows(page, data, [{"structure": new.pk, "role": "animator"}])
    data[f"{prefix}-{_membership_index(page, old)}-left_year"] = "2024"
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    assert _current_animator(pole) == new
    old.refresh_from_db()
    assert (old.role, old.left_year) == ("animator", 2024)


@pytest.mark.parametrize("demotion", ["left_year", "role", "DELETE"])
def test_a_former_animator_listed_first_takes_over_in_one_save(staff, demotion):
    """Rows are saved in the form's order; the one taking over comes first here (its
    structure's name sorts first), so the demotion must be saved before it."""
    pole = located_pole("60333")
    former = Membership.objects.create(
        pole=pole,
        structure=StructureFactory(name="A — ancien animateur qui revient (test)"),
        role="animator",
        joined_year=2015,
        left_year=2019,
    )
    current = Membership.objects.create(
        pole=pole, structure=StructureFactory(name="B — animateur actuel (test)"), role="animator"
    )
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff.get(url)
    prefix = inline_prefix(page, "membership")
    assert _membership_index(page, former) < _membership_index(page, current)
    data = change_form_data(page)
    data.pop(f"{prefix}-{_membership_index(page, former)}-left_year")
    current_row = f"{prefix}-{_membership_index(page, current)}"
    if demotion == "left_year":
        data[f"{current_row}-left_year"] = "2024"
    elif demotion == "role":
        data[f"{current_row}-role"] = "member"
    else:
        data[f"{current_row}-DELETE"] = "on"
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    assert _current_animator(pole) == former.structure


def test_a_new_animator_without_demoting_the_old_one_is_still_refused(staff):
    pole = located_pole("60333")
    old = Membership.objects.create(pole=pole, structure=StructureFactory(), role="animator")
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff.get(url)
    data = change_form_data(page)
    prefix = add_membership_rows(
        page, data, [{"structure": StructureFactory().pk, "role": "animator"}]
    )
    data[f"{prefix}-{_membership_index(page, old)}-note"] = "changé"  # changed, still current
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "already has a current animator" in response.content.decode()
    assert pole.memberships.count() == 1
    old.refresh_from_db()
    assert old.note == ""  # nothing half-saved


def test_the_structure_page_checks_the_animator_of_each_pole(staff):
    pole = located_pole("60333")
    Membership.objects.create(pole=pole, structure=StructureFactory(), role="animator")
    structure = StructureFactory()
    url = reverse("admin:poles_structure_change", args=[structure.pk])
    page = staff.get(url)
    data = change_form_data(page)
    add_membership_rows(page, data, [{"pole": pole.pk, "role": "animator"}])
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "already has a current animator" in response.content.decode()
    assert not structure.memberships.exists()


def test_a_structure_page_adds_a_membership_to_a_pole(staff):
    pole = located_pole("60333")
    structure = StructureFactory()
    url = reverse("admin:poles_structure_change", args=[structure.pk])
    page = staff.get(url)
    data = change_form_data(page)
    add_membership_rows(page, data, [{"pole": pole.pk, "role": "animator", "joined_year": 2020}])
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert _current_animator(pole) == structure
