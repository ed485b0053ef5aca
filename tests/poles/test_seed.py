"""The real seed poles: loaded with their sources, idempotently, without touching edits."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from members.models import Cooperator
from members.services import load_seed
from poles.models import KeyFigure, Membership, Pole, PoleCoverage, PoleSource, Structure
from poles.services import SEED_FILES

pytestmark = pytest.mark.django_db


def seed_rows() -> list[dict]:
    return [
        row for path in SEED_FILES for row in json.loads(path.read_text(encoding="utf-8"))["poles"]
    ]


def test_all_seed_poles_are_loaded_and_published(seeded):
    rows = seed_rows()
    assert len(rows) >= 70
    assert Pole.objects.published().count() == len(rows)
    assert set(Pole.objects.values_list("slug", flat=True)) == {row["slug"] for row in rows}


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

    assert f"0 created, {len(seed_rows())} already present" in out.getvalue()
    assert "0 completed" in out.getvalue()
    assert (Pole.objects.count(), Structure.objects.count(), KeyFigure.objects.count()) == counts
    pole.refresh_from_db()
    assert pole.summary == "Résumé corrigé par l'équipe"


def test_bootstrap_runs_everything_and_is_idempotent():
    out = StringIO()
    call_command("bootstrap", stdout=out)
    call_command("bootstrap", stdout=out)
    assert Pole.objects.count() == len(seed_rows())
    assert "Territories already up to date" in out.getvalue()
    # Editors can be created right away: their groups exist.
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Administrateurs nationaux",
        "Éditeurs territoriaux",
        "Coordinateurs de pôle",
    }


# --- The other real poles (fixtures/seed/poles_more.json) -----------------------------


def test_named_poles_of_the_second_rendering(seeded):
    recyclocc = Pole.objects.get(slug="recycl-occ-textile")
    assert recyclocc.seat_commune.name == "Montpellier"
    assert recyclocc.founded_year == 2021
    assert set(recyclocc.recognitions.values_list("slug", flat=True)) == {
        "ami-2021",
        "ami-2021-phase-2",
    }
    assert recyclocc.sources.count() == 7
    # Named member structures: a name, the role the source gives, no SIRET.
    unea = Membership.objects.get(pole=recyclocc, structure__name="UNEA")
    assert unea.role == Membership.Role.MEMBER
    assert unea.structure.siret == ""
    assert unea.structure.legal_form is None

    ecossolies = Pole.objects.get(slug="les-ecossolies")
    assert ecossolies.seat_commune.name == "Nantes"
    assert (ecossolies.status, ecossolies.status_as_of) == ("actif", 2022)
    nantes = Membership.objects.get(pole=ecossolies, structure__name="Nantes Métropole")
    assert nantes.role == Membership.Role.FOUNDER

    tour = Pole.objects.get(slug="tour-letan-sin-pol")
    assert tour.seat_commune.name == "Saint-Paul"
    assert tour.seat_commune.departement.region.name == "La Réunion"
    assert tour.recognitions.get().slug == "ami-2024"
    assert tour.to_complete is False


def test_partners_and_founders_keep_the_role_the_source_gives(seeded):
    damier = Pole.objects.get(slug="le-damier")
    roles = dict(Membership.objects.filter(pole=damier).values_list("structure__name", "role"))
    assert roles["Clermont Auvergne Métropole"] == Membership.Role.PARTNER
    assert roles["Le Damier"] == Membership.Role.ANIMATOR
    assert roles["La Comédie de Clermont"] == Membership.Role.MEMBER
    founders = Membership.objects.filter(
        pole__slug="la-californie-toucy", role=Membership.Role.FOUNDER
    ).values_list("structure__name", flat=True)
    assert set(founders) == {"La Recyclerie de Toucy", "Bonjour Cascade", "Toucy Entraide"}
    # Figures only with their year and source; approximate ones flagged.
    figures = {figure.year: figure for figure in KeyFigure.objects.filter(pole=damier)}
    assert figures[2022].member_structures_count == 60
    assert figures[2022].turnover == 25_000_000
    assert KeyFigure.objects.filter(pole__slug="recycl-occ-textile", is_approximate=True).exists()


def test_every_pole_has_dated_or_undated_sources_and_no_person(seeded):
    for pole in Pole.objects.all():
        assert pole.sources.exists(), pole.slug
        assert pole.source, pole.slug
    assert not Cooperator.objects.filter(kind=Cooperator.Kind.PERSON).exists()
    assert PoleSource.objects.filter(pole__slug="le-damier", year=2025).exists()


def test_status_is_active_only_with_a_dated_source(seeded):
    rows = {row["slug"]: row for row in seed_rows()}
    unconfirmed = Pole.objects.filter(status=Pole.Status.TO_CONFIRM)
    assert unconfirmed.count() == sum(row["status"] == "a-confirmer" for row in rows.values())
    assert unconfirmed.count() > 30
    assert not unconfirmed.exclude(status_as_of=None).exists()
    assert not Pole.objects.filter(status=Pole.Status.ACTIVE, status_as_of=None).exists()


def test_poles_without_a_commune_act_in_their_territory(seeded):
    # Région only: the whole région is its territory of action, no seat, no marker.
    distro = Pole.objects.get(slug="distro")
    assert distro.seat_commune is None and distro.latitude is None
    assert list(distro.territory_regions.values_list("code", flat=True)) == ["53"]
    assert set(PoleCoverage.objects.filter(pole=distro).values_list("region_id", flat=True)) == {
        "53"
    }
    # Département only.
    mayenne = Pole.objects.get(slug="ptce-mieux-manger-en-mayenne")
    assert list(mayenne.territory_departements.values_list("code", flat=True)) == ["53"]
    assert mayenne.to_complete


def test_thin_records_are_marked_to_complete(seeded):
    rows = seed_rows()
    assert Pole.objects.filter(to_complete=True).count() == sum(
        row.get("to_complete", False) for row in rows
    )
    assert not Pole.objects.get(slug="les-ecossolies").to_complete
    assert Pole.objects.get(slug="la-verriere").to_complete


def test_additions_reach_the_seed_poles_once(seeded):
    phares = Pole.objects.get(slug="le-phares")
    assert phares.status_as_of == 2023
    assert "23 mars 2023" in phares.description
    assert phares.sources.filter(url__contains="insereco93").exists()
    coursive = Pole.objects.get(slug="la-coursive-boutaric")
    assert "immeuble Boutaric" in coursive.description
    # The source already listed is not listed twice.
    assert coursive.sources.filter(url__contains="franceurbaine.org").count() == 1
    # The link the source does not state is not made.
    assert not Pole.objects.get(slug="resto-passerelle").recognitions.exists()

    counts = (PoleSource.objects.count(), len(phares.description))
    call_command("load_seed", stdout=StringIO())
    phares.refresh_from_db()
    assert (PoleSource.objects.count(), len(phares.description)) == counts


def test_additions_never_overwrite_a_pole_staff_edited(db):
    # A database seeded before the additions existed: load the first rendering only.
    load_seed(paths=SEED_FILES[:1])
    phares = Pole.objects.get(slug="le-phares")
    phares.description = "Texte revu par l'équipe."
    phares.save()
    coursive = Pole.objects.get(slug="la-coursive-boutaric")

    report = load_seed()

    assert report.completed == ["la-coursive-boutaric"]
    phares.refresh_from_db()
    assert phares.description == "Texte revu par l'équipe."
    assert phares.status_as_of == 2022
    assert not phares.sources.filter(url__contains="insereco93").exists()
    coursive.refresh_from_db()
    assert "immeuble Boutaric" in coursive.description


def test_rendering_is_up_to_date():
    # The rendered files are what render_more.py writes from the source and curation.
    import importlib.util

    from django.conf import settings

    path = settings.BASE_DIR / "fixtures" / "seed" / "render_more.py"
    spec = importlib.util.spec_from_file_location("render_more", path)
    render_more = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_more)
    poles_doc, facts_doc = render_more.render()
    assert render_more.POLES_OUT.read_text("utf-8") == render_more.dump(poles_doc)
    assert render_more.FACTS_OUT.read_text("utf-8") == render_more.dump(facts_doc)
