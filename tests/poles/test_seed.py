"""The real seed poles: loaded with their sources, idempotently, without touching edits."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from members.models import Cooperator
from poles.models import KeyFigure, Membership, Pole, Structure

pytestmark = pytest.mark.django_db


def test_all_seed_poles_are_loaded_and_published(seeded):
    assert Pole.objects.published().count() == 13


def test_pays_de_bray(seeded):
    pole = Pole.objects.get(slug="ptce-pays-de-bray")
    assert pole.seat_commune_id == "60333"
    assert pole.legal_form.abbreviation == "SCIC"
    assert set(pole.territory_departements.values_list("code", flat=True)) == {"60", "27", "76"}
    assert len(pole.development_axes_list) == 2
    assert pole.recognitions.get().year == 2013
    assert pole.latitude == pole.seat_commune.latitude

    animator = Membership.objects.get(pole=pole, role=Membership.Role.ANIMATOR)
    assert animator.structure.name == "Maison d'Économie Solidaire du Pays de Bray"
    assert animator.structure.legal_form.slug == "scic"

    figure = KeyFigure.objects.get(pole=pole)
    assert (figure.year, figure.etp, figure.turnover) == (2014, Decimal("145"), 4_400_000)
    assert figure.member_structures_count == 6
    assert figure.cooperators_count == 35
    assert "Labo de l'ESS" in figure.source

    named = set(Cooperator.objects.filter(pole=pole).values_list("name", flat=True))
    assert named == {"Chambre des Métiers et de l'Artisanat", "Institut Godin"}
    assert pole.sources.count() == 5


def test_bou_sol_and_pain_et_partage(seeded):
    pole = Pole.objects.get(slug="bou-sol")
    assert pole.seat_commune.name == "Marseille"
    assert pole.legal_form.slug == "scic"
    assert pole.recognitions.get().slug == "aap-2015"
    bakery = Structure.objects.get(name="Pain et Partage")
    assert list(bakery.approvals.values_list("abbreviation", flat=True)) == ["ACI"]
    assert Membership.objects.get(pole=pole, structure=bakery).role == Membership.Role.FOUNDER


def test_every_seeded_fact_carries_its_source(seeded):
    assert not Pole.objects.filter(source="").exists()
    assert not Structure.objects.filter(source="").exists()
    assert not KeyFigure.objects.filter(source="").exists()
    assert not Membership.objects.filter(source="").exists()
    assert not Cooperator.objects.filter(source="").exists()
    assert all(pole.sources.exists() for pole in Pole.objects.all())


def test_unknown_facts_stay_empty(seeded):
    # The sources name neither the seat nor the people of these poles.
    assert Pole.objects.get(slug="resto-passerelle").seat_commune is None
    assert Pole.objects.get(slug="la-bio-pour-tous").latitude is None
    assert not Cooperator.objects.filter(kind=Cooperator.Kind.PERSON).exists()
    assert Pole.objects.get(slug="ptce-pays-de-bray").founded_year is None


def test_reloading_is_idempotent_and_keeps_staff_edits(seeded):
    pole = Pole.objects.get(slug="bou-sol")
    pole.summary = "Résumé corrigé par l'équipe"
    pole.save()
    counts = (Pole.objects.count(), Structure.objects.count(), KeyFigure.objects.count())

    out = StringIO()
    call_command("load_seed", stdout=out)

    assert "0 created, 13 already present" in out.getvalue()
    assert (Pole.objects.count(), Structure.objects.count(), KeyFigure.objects.count()) == counts
    pole.refresh_from_db()
    assert pole.summary == "Résumé corrigé par l'équipe"


def test_bootstrap_runs_everything_and_is_idempotent():
    out = StringIO()
    call_command("bootstrap", stdout=out)
    call_command("bootstrap", stdout=out)
    assert Pole.objects.count() == 13
    assert "Territories already up to date" in out.getvalue()
    # Editors can be created right away: their groups exist.
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Administrateurs nationaux",
        "Éditeurs territoriaux",
        "Coordinateurs de pôle",
    }
