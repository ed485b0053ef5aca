"""Every derived table against a full rebuild, after the admin's history (a deleted
pole, structure, membership or key figure recovered; a pole reverted), deletions, and
a spreadsheet import.

tests/poles/test_derived_data.py checks one derived value per source; here every
table is compared whole, search columns included (search_vector and rank_vector on
PostgreSQL, written from a version's stale copy by a revert or a recovery).
"""

import json

import pytest
import reversion
from django.db import connection, transaction
from django.urls import reverse
from reversion.models import Version

from editors.models import EditorProfile
from poles.models import KeyFigure, Membership, Pole, PoleCoverage, PoleWithFigures, Structure
from poles.services import (
    refresh_coverage,
    refresh_poles_with_figures,
    refresh_search_texts,
    save_search_texts,
)
from spreadsheets.resources import StructureResource
from tests import structure_counts
from tests.admin_forms import change_form_data
from tests.factories import (
    KeyFigureFactory,
    MembershipFactory,
    StructureFactory,
    editor,
    located_pole,
)
from tests.spreadsheets.test_import_export import dataset, row_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two poles sharing a structure (homed at the first), each with its own member
    and key figures; everything in one revision, as the seed loader leaves it."""
    with reversion.create_revision():
        p1 = located_pole("60057", name="Pôle Héron")
        p2 = located_pole("76540", name="Pôle Martin")
        shared = StructureFactory(name="Atelier Partagé", siret="73282932000074")
        own = StructureFactory(name="Ferme Isolée", siret="35600000000048")
        MembershipFactory(pole=p1, structure=shared)
        MembershipFactory(pole=p2, structure=shared)
        MembershipFactory(pole=p1, structure=own)
        KeyFigureFactory(pole=p1, year=2022, etp=12, turnover=None)
        KeyFigureFactory(pole=p2, year=2023, etp=None, turnover=50_000)
        for record in (p1, p2, shared, own):
            reversion.add_to_revision(record)
    refresh_search_texts(Pole.objects.all())
    return {"p1": p1, "p2": p2, "shared": shared, "own": own}


@pytest.fixture
def national(client):
    client.force_login(editor(EditorProfile.Role.NATIONAL, username="history-national"))
    return client


def search_columns() -> set[tuple]:
    columns = ["pk", "search_text"]
    if connection.vendor == "postgresql":
        columns += ["search_vector", "rank_vector"]
    return {tuple(str(value) for value in row) for row in Pole.objects.values_list(*columns)}


def tables() -> dict:
    return {
        "figures": set(PoleWithFigures.objects.values_list("pole_id", flat=True)),
        "tallies": structure_counts.stored(),
        "coverage": set(PoleCoverage.objects.values_list("pole_id", "departement_id")),
        "search": search_columns(),
    }


class _Rollback(Exception):
    pass


def rebuilt() -> dict:
    """What a rebuild of every derived table would store (rolled back after)."""
    try:
        with transaction.atomic():
            PoleWithFigures.objects.all().delete()
            refresh_poles_with_figures()
            PoleCoverage.objects.all().delete()
            refresh_coverage()
            save_search_texts(
                list(
                    Pole.objects.select_related("seat_commune__departement").prefetch_related(
                        "sectors", "memberships__structure"
                    )
                ),
                force=True,
            )
            tables_now = tables()
            tables_now["tallies"] = structure_counts.rebuilt()
            raise _Rollback
    except _Rollback:
        pass
    return tables_now


def recover(client, model, pk):
    deleted = Version.objects.get_deleted(model).get(object_id=str(pk))
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_recover", args=[deleted.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302, [
        response.context["adminform"].form.errors,
        *(formset.formset.errors for formset in response.context["inline_admin_formsets"]),
    ]


def delete_in_admin(client, record):
    opts = record._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[record.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302


# --- The scenarios ------------------------------------------------------------------


def recover_pole(world, client):
    delete_in_admin(client, world["p1"])
    recover(client, Pole, world["p1"].pk)
    assert Membership.objects.filter(pole=world["p1"]).count() == 2


def recover_pole_versioned_before_the_rank_vector(world, client):
    """A deletion recorded before migration 0020: the version has no rank_vector (nor,
    here, search columns at all): the recovered pole gets them computed."""
    delete_in_admin(client, world["p1"])
    deleted = Version.objects.get_deleted(Pole).get(object_id=str(world["p1"].pk))
    data = json.loads(deleted.serialized_data)
    for name in ("search_text", "search_vector", "rank_vector"):
        data[0]["fields"].pop(name, None)
    Version.objects.filter(pk=deleted.pk).update(serialized_data=json.dumps(data))
    recover(client, Pole, world["p1"].pk)


def revert_pole_after_its_members_changed(world, client):
    Membership.objects.filter(pole=world["p1"], structure=world["own"]).delete()
    KeyFigure.objects.filter(pole=world["p1"]).delete()
    Structure.objects.filter(pk=world["own"].pk).update(name="Ferme Renommée")
    first = Version.objects.get_for_object(world["p1"]).get()
    url = reverse("admin:poles_pole_revision", args=[world["p1"].pk, first.pk])
    assert client.post(url, change_form_data(client.get(url))).status_code == 302
    assert KeyFigure.objects.filter(pole=world["p1"]).exists()


def recover_structure(world, client):
    """The structure comes back (its memberships are not followed: gone)."""
    delete_in_admin(client, world["shared"])
    recover(client, Structure, world["shared"].pk)


def recover_membership(world, client):
    with reversion.create_revision():
        membership = Membership.objects.get(pole=world["p2"], structure=world["shared"])
        reversion.add_to_revision(membership)
    delete_in_admin(client, membership)
    recover(client, Membership, membership.pk)


def recover_key_figure(world, client):
    figure = KeyFigure.objects.get(pole=world["p1"])
    with reversion.create_revision():
        reversion.add_to_revision(figure)
    delete_in_admin(client, figure)
    assert world["p1"].pk not in tables()["figures"]
    recover(client, KeyFigure, figure.pk)


def delete_shared_structure(world, client):
    delete_in_admin(client, world["shared"])


def delete_home_pole(world, client):
    """The shared structure's home goes: its tally moves to the other pole."""
    delete_in_admin(client, world["p1"])


def import_structures(world, client):
    """A structure renamed and made a member of the other pole by a spreadsheet."""
    rows = [
        {
            "name": "Ferme Déplacée",
            "siret": "35600000000048",
            "legal_form": "association",
            "pole": world["p2"].slug,
            "role": "member",
        },
    ]
    result = StructureResource().import_data(dataset(rows), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors(), row_errors(result)
    assert Structure.objects.get(siret="35600000000048").name == "Ferme Déplacée"


SCENARIOS = [
    recover_pole,
    recover_pole_versioned_before_the_rank_vector,
    revert_pole_after_its_members_changed,
    recover_structure,
    recover_membership,
    recover_key_figure,
    delete_shared_structure,
    delete_home_pole,
    import_structures,
]


def test_the_fixture_starts_current(world):
    assert tables() == rebuilt()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_every_derived_table_matches_a_rebuild(world, national, scenario):
    scenario(world, national)
    now, expected = tables(), rebuilt()
    for name in expected:
        assert now[name] == expected[name], name
