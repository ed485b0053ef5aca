"""The staff dashboard of the admin's home page: what needs attention in the editor's
scope, in a number of queries that does not grow with the directory."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from editors.selectors import staff_dashboard
from poles.models import Pole, Structure
from territories.models import Departement
from tests.factories import (
    KeyFigureFactory,
    MembershipFactory,
    StructureFactory,
    editor,
    located_pole,
)

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
THIS_YEAR = timezone.now().year


def complete_pole(code, name, *, figures_year=THIS_YEAR - 1, **kwargs):
    pole = located_pole(code, name=name, summary="Résumé", description="Texte", **kwargs)
    MembershipFactory(pole=pole)
    if figures_year:
        KeyFigureFactory(pole=pole, year=figures_year)
    return pole


@pytest.fixture
def directory():
    """Poles in the Oise (60) and in the Gironde (33), each with one thing to look at."""
    oise = {
        "fine": complete_pole("60333", "Pôle d'essai en ordre"),
        "old": complete_pole("60057", "Pôle d'essai aux vieux chiffres", figures_year=2015),
        "none": complete_pole("60057", "Pôle d'essai sans chiffres", figures_year=None),
        "thin": complete_pole("60333", "Pôle d'essai à compléter", to_complete=True),
    }
    closed = StructureFactory(
        name="Structure d'essai fermée",
        siret="98765432400027",
        registry_state=Structure.RegistryState.CLOSED,
        registry_closed_on=timezone.now().date().replace(year=2024, month=6, day=30),
    )
    MembershipFactory(pole=oise["fine"], structure=closed)
    gironde = complete_pole("33063", "Pôle d'essai girondin aux vieux chiffres", figures_year=2010)
    gironde_closed = StructureFactory(
        name="Structure girondine d'essai fermée",
        registry_state=Structure.RegistryState.CLOSED,
    )
    MembershipFactory(pole=gironde, structure=gironde_closed)
    return oise, gironde


def dashboard_text(client) -> str:
    page = client.get(INDEX)
    assert page.status_code == 200
    section = re.search(
        r'<section class="module staff-dashboard".*?</section>', page.content.decode(), re.S
    )
    assert section, "no dashboard on the admin's home page"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.group(0))))


def test_an_editor_sees_what_needs_attention_in_their_scope_only(client, directory):
    client.force_login(editor("territorial", departements=[Departement.objects.get(pk="60")]))

    text = dashboard_text(client)

    assert "2 pôles dont les chiffres clés ont plus de deux ans (ou manquent)" in text
    assert "Pôle d'essai aux vieux chiffres" in text
    assert "Pôle d'essai sans chiffres" in text
    assert "1 fiche de pôle maigre" in text
    assert "Pôle d'essai à compléter" in text
    assert "1 structure membre dont le registre SIRENE dit l'établissement fermé" in text
    assert "Structure d'essai fermée — fermé le 30/06/2024" in text
    assert "girondin" not in text


def test_a_national_administrator_sees_the_whole_directory(staff_client, directory):
    text = dashboard_text(staff_client)

    assert "3 pôles dont les chiffres clés ont plus de deux ans" in text
    assert "2 structures membres dont le registre SIRENE dit l'établissement fermé" in text


def test_the_counts_link_to_the_lists_they_count(staff_client, directory):
    page = staff_client.get(INDEX).content.decode()

    assert 'href="/admin/poles/pole/?figures=outdated"' in page
    assert 'href="/admin/poles/pole/?record=thin"' in page
    assert 'href="/admin/poles/structure/?registry_state__exact=closed"' in page
    thin = staff_client.get("/admin/poles/pole/", {"record": "thin"})
    assert [pole.name for pole in thin.context["cl"].result_list] == ["Pôle d'essai à compléter"]
    closed = staff_client.get("/admin/poles/structure/", {"registry_state__exact": "closed"})
    assert len(closed.context["cl"].result_list) == 2


def test_pending_suggestions_are_on_the_dashboard(staff_client, directory):
    text = dashboard_text(staff_client)

    assert "0 suggestion du public en attente de décision" in text


def test_a_staff_member_without_scope_sees_empty_panels(client, django_user_model, directory):
    user = django_user_model.objects.create_user(
        "sans-profil", password="pw-test-123", is_staff=True
    )
    client.force_login(user)

    text = dashboard_text(client)

    assert "0 pôle dont les chiffres clés" in text
    assert "Rien : tout va bien." in text


def test_the_dashboard_costs_the_same_queries_at_two_sizes(client, directory):
    user = editor("territorial", departements=[Departement.objects.get(pk="60")])
    client.force_login(user)
    with CaptureQueriesContext(connection) as small:
        client.get(INDEX)
    for index in range(12):
        pole = complete_pole("60333", f"Pôle d'essai ajouté {index}", figures_year=2012)
        MembershipFactory(
            pole=pole,
            structure=StructureFactory(registry_state=Structure.RegistryState.CLOSED),
        )
    with CaptureQueriesContext(connection) as large:
        client.get(INDEX)

    assert len(large) == len(small)
    assert Pole.objects.count() > 15


def test_the_dashboards_own_reads_are_pinned(django_assert_num_queries, directory):
    user = editor("territorial", departements=[Departement.objects.get(pk="60")])
    with django_assert_num_queries(7):
        panels = staff_dashboard(user)
        names = [row.name for panel in panels.values() for row in panel.rows]
    assert "Structure d'essai fermée" in names
