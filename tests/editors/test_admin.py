"""The admin opens for a superuser, in French, with fast commune autocomplete."""

import json

import pytest
from django.urls import reverse

from poles.models import Pole, Structure
from tests.admin_forms import change_form_data, registered_models

pytestmark = pytest.mark.django_db


def test_every_registered_model_has_working_changelist_and_add_pages(staff_client, seeded):
    for model in registered_models():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert staff_client.get(changelist).status_code == 200, changelist
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        # Never added by hand: login attempts (django-axes) are recorded by the login
        # view, suggestions come from the public's forms, the site's pages from a migration.
        expected = 403 if opts.app_label in {"axes", "suggestions", "pages"} else 200
        assert staff_client.get(add).status_code == expected, add


def test_change_pages_of_seed_records_open(staff_client, seeded):
    pole = Pole.objects.get(slug="ptce-pays-de-bray")
    response = staff_client.get(reverse("admin:poles_pole_change", args=[pole.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "PTCE du Pays de Bray" in content
    assert "Maison d&#x27;Économie Solidaire" in content or "Maison d'Économie" in content
    structure = Structure.objects.get(name="Pain et Partage")
    response = staff_client.get(reverse("admin:poles_structure_change", args=[structure.pk]))
    assert response.status_code == 200


def test_admin_speaks_french_by_default(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert 'lang="fr"' in response.content.decode()


def test_commune_autocomplete_finds_by_name_without_accents(
    staff_client, django_assert_max_num_queries
):
    url = reverse("admin:autocomplete")
    params = {
        "app_label": "poles",
        "model_name": "pole",
        "field_name": "seat_commune",
        "term": "ile saint denis",
    }
    with django_assert_max_num_queries(8):
        response = staff_client.get(url, params)
    assert response.status_code == 200
    results = json.loads(response.content)["results"]
    assert any(result["id"] == "93039" for result in results)


def test_structure_autocomplete(staff_client, seeded):
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "poles",
            "model_name": "membership",
            "field_name": "structure",
            "term": "pain",
        },
    )
    assert [result["text"] for result in json.loads(response.content)["results"]] == [
        "Pain et Partage"
    ]


def test_college_weights_not_adding_up_are_refused_in_the_pole_form(staff_client, seeded):
    pole = Pole.objects.get(slug="bou-sol")
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff_client.get(url)
    data = change_form_data(page)
    colleges = next(
        fs.formset for fs in page.context["inline_admin_formsets"] if "college" in fs.formset.prefix
    )
    prefix = colleges.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 2,
            f"{prefix}-0-name": "Salariés",
            f"{prefix}-0-vote_weight": "40",
            f"{prefix}-0-position": "0",
            f"{prefix}-1-name": "Usagers",
            f"{prefix}-1-vote_weight": "40",
            f"{prefix}-1-position": "1",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 200
    # The formset's own error, with the total it found (strings the unchanged page
    # could not already hold).
    errors = response.context["inline_admin_formsets"]
    messages = [str(e) for inline in errors for e in inline.formset.non_form_errors()]
    assert any("80" in message and "100" in message for message in messages), messages
    assert pole.colleges.count() == 0
