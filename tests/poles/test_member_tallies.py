"""The member structure tallies (MemberTally, SharedMember: poles/derived.py), write by
write.

Each structure is tallied at one of the poles it currently belongs to, its home (the
lowest id); the other poles list it as a shared member. So one write can change the
tallies of poles it does not name: a structure joining a pole of lower id moves its
home there. After every kind of write, the stored rows must be those a full rebuild
stores, and the observatory's numbers those of a straightforward count, for every
selection of poles.
"""

from itertools import combinations

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from editors.models import EditorProfile
from poles.models import Approval, HeadcountBand, LegalForm, Membership, Pole, Structure
from tests.admin_forms import change_form_data
from tests.factories import MembershipFactory, StructureFactory, editor, located_pole
from tests.structure_counts import observed, rebuilt, stored, straightforward

pytestmark = pytest.mark.django_db


def structure(name, legal_form=None, band=None, approvals=()):
    made = StructureFactory(
        name=name,
        legal_form=LegalForm.objects.get(slug=legal_form) if legal_form else None,
        headcount_band=HeadcountBand.objects.get(code=band) if band else None,
    )
    made.approvals.set(Approval.objects.filter(slug__in=approvals))
    return made


@pytest.fixture
def world():
    """Three poles (ids in this order) and structures: alone, shared, holding two roles
    in one pole, former members, without legal form or band; each pole and structure
    in a revision, as the seed loader leaves them."""
    with reversion.create_revision():
        p1 = located_pole("60057", name="Pôle témoin un")
        p2 = located_pole("76540", name="Pôle témoin deux")
        p3 = located_pole("69123", name="Pôle témoin trois")
        alone = structure("Seule", "association", "03", approvals=["aci"])
        shared = structure("Partagée", "sarl", "11", approvals=["esus"])
        two_roles = structure("Deux rôles", "scic")
        formless = structure("Sans forme", band="01")
        former = structure("Ancienne", "scop", "02", approvals=["ei"])
        MembershipFactory(pole=p1, structure=alone, role=Membership.Role.ANIMATOR)
        MembershipFactory(pole=p1, structure=shared)
        MembershipFactory(pole=p2, structure=shared, role=Membership.Role.PARTNER)
        MembershipFactory(pole=p2, structure=two_roles, role=Membership.Role.FOUNDER)
        MembershipFactory(pole=p2, structure=two_roles, role=Membership.Role.MEMBER)
        MembershipFactory(pole=p3, structure=formless)
        MembershipFactory(pole=p3, structure=former, left_year=2020)
        for pole in (p1, p2, p3):
            reversion.add_to_revision(pole)
        for made in (alone, shared, two_roles, formless, former):
            reversion.add_to_revision(made)
    return {
        "p1": p1,
        "p2": p2,
        "p3": p3,
        "alone": alone,
        "shared": shared,
        "two_roles": two_roles,
        "formless": formless,
        "former": former,
    }


@pytest.fixture
def national(client):
    client.force_login(editor(EditorProfile.Role.NATIONAL, username="tallies-national"))
    return client


def selections():
    """Every set of poles, and the published ones (what /statistiques/ shows)."""
    ids = list(Pole.objects.order_by("pk").values_list("pk", flat=True))
    for size in range(1, len(ids) + 1):
        for chosen in combinations(ids, size):
            yield Pole.objects.filter(pk__in=chosen)
    yield Pole.objects.published()


def numbers():
    return [straightforward(poles) for poles in selections()]


def get(world, name):
    return Structure.objects.get(pk=world[name].pk)


# --- The writes -------------------------------------------------------------------


def add_membership(world, client):
    MembershipFactory(pole=world["p3"], structure=structure("Nouvelle", "sas", "12"))


def share_with_a_second_pole(world, client):
    MembershipFactory(pole=world["p2"], structure=world["alone"])


def share_with_a_pole_of_lower_id(world, client):
    """The structure's home moves from p3 to p1: p3's tally changes, though only p1
    was written to."""
    MembershipFactory(pole=world["p1"], structure=world["formless"])


def end_membership(world, client):
    membership = Membership.objects.get(pole=world["p1"], structure=world["shared"])
    membership.left_year = 2024
    membership.save()


def rejoin(world, client):
    membership = Membership.objects.get(structure=world["former"])
    membership.left_year = None
    membership.save()


def delete_membership(world, client):
    Membership.objects.get(pole=world["p1"], structure=world["shared"]).delete()


def move_membership_to_another_pole(world, client):
    membership = Membership.objects.get(pole=world["p1"], structure=world["shared"])
    membership.pole = world["p3"]
    membership.save()


def change_membership_structure(world, client):
    """Both structures' homes move: the shared one's to p2, the other's from p3 to p1."""
    membership = Membership.objects.get(pole=world["p1"], structure=world["shared"])
    membership.structure = world["formless"]
    membership.save()


def add_second_role(world, client):
    MembershipFactory(pole=world["p1"], structure=world["alone"], role=Membership.Role.FOUNDER)


def edit_note_only(world, client):
    membership = Membership.objects.get(pole=world["p1"], structure=world["alone"])
    membership.note = "Rien qui compte"
    membership.save()


def change_legal_form(world, client):
    shared = get(world, "shared")
    shared.legal_form = LegalForm.objects.get(slug="scop")
    shared.save()


def change_headcount_band(world, client):
    alone = get(world, "alone")
    alone.headcount_band = HeadcountBand.objects.get(code="12")
    alone.save()


def remove_headcount_band(world, client):
    formless = get(world, "formless")
    formless.headcount_band = None
    formless.save()


def rename_structure(world, client):
    shared = get(world, "shared")
    shared.name = "Partagée renommée"
    shared.save()


def add_approval(world, client):
    get(world, "shared").approvals.add(Approval.objects.get(slug="ei"))


def remove_approval(world, client):
    get(world, "alone").approvals.remove(Approval.objects.get(slug="aci"))


def clear_approvals(world, client):
    get(world, "alone").approvals.clear()


def approval_gains_structures(world, client):
    Approval.objects.get(slug="ai").structures.add(world["two_roles"], world["shared"])


def approval_loses_every_structure(world, client):
    Approval.objects.get(slug="aci").structures.clear()


def approval_becomes_iae(world, client):
    esus = Approval.objects.get(slug="esus")
    esus.is_iae = True
    esus.save()


def band_bound_changes(world, client):
    band = HeadcountBand.objects.get(code="11")
    band.max_employees = 9
    band.save()


def delete_structure(world, client):
    get(world, "shared").delete()


def delete_pole(world, client):
    Pole.objects.get(pk=world["p1"].pk).delete()


def unpublish_pole(world, client):
    pole = Pole.objects.get(pk=world["p1"].pk)
    pole.is_published = False
    pole.save()


def end_membership_in_admin(world, client):
    pole = world["p1"]
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    shared = world["shared"].pk
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("memberships-") and key.endswith("-structure") and value == shared
    )
    data[f"memberships-{index}-left_year"] = 2024
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def share_in_admin(world, client):
    """The pole form's new membership row, with an existing structure."""
    pole = world["p3"]
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    index = int(data["memberships-TOTAL_FORMS"])
    data["memberships-TOTAL_FORMS"] = index + 1
    data[f"memberships-{index}-structure"] = world["shared"].pk
    data[f"memberships-{index}-role"] = "member"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def change_legal_form_in_admin(world, client):
    url = reverse("admin:poles_structure_change", args=[world["shared"].pk])
    data = change_form_data(client.get(url))
    data["legal_form"] = LegalForm.objects.get(slug="association").pk
    data["approvals"] = [Approval.objects.get(slug="aci").pk]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def delete_pole_in_admin(world, client):
    url = reverse("admin:poles_pole_delete", args=[world["p1"].pk])
    assert client.post(url, {"post": "yes"}).status_code == 302


def revert_structure(world, client):
    """Back to the revision of the fixture: a raw save (legal form, band, approvals)."""
    shared = get(world, "shared")
    shared.legal_form = LegalForm.objects.get(slug="scop")
    shared.headcount_band = HeadcountBand.objects.get(code="03")
    shared.save()
    shared.approvals.add(Approval.objects.get(slug="ei"))
    first = Version.objects.get_for_object(world["shared"]).get()
    url = reverse("admin:poles_structure_revision", args=[world["shared"].pk, first.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302


def revert_pole(world, client):
    """Back to the revision of the fixture: the membership added since is deleted, the
    one ended since current again, the one moved since back in this pole."""
    pole = world["p1"]
    MembershipFactory(pole=pole, structure=world["formless"])
    end_membership(world, client)
    moved = Membership.objects.get(pole=pole, structure=world["alone"])
    moved.pole = world["p3"]
    moved.save()
    first = Version.objects.get_for_object(pole).get()
    url = reverse("admin:poles_pole_revision", args=[pole.pk, first.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302
    assert Membership.objects.get(structure=world["alone"]).pole_id == pole.pk


def recover_pole(world, client):
    pk = world["p1"].pk
    delete_pole_in_admin(world, client)
    deleted = Version.objects.get_deleted(Pole).get(object_id=str(pk))
    url = reverse("admin:poles_pole_recover", args=[deleted.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302
    assert Membership.objects.filter(pole_id=pk).count() == 2


def recover_structure(world, client):
    shared = world["shared"].pk
    response = client.post(
        reverse("admin:poles_structure_changelist"),
        {"action": "delete_selected", "_selected_action": [shared], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = Version.objects.get_deleted(Structure).get(object_id=str(shared))
    url = reverse("admin:poles_structure_recover", args=[deleted.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302
    assert Membership.objects.filter(structure_id=shared).count() == 2


# (write, does it change the observatory's numbers of some selection?)
CASES = [
    (add_membership, True),
    (share_with_a_second_pole, True),
    (share_with_a_pole_of_lower_id, True),
    (end_membership, True),
    (rejoin, True),
    (delete_membership, True),
    (move_membership_to_another_pole, True),
    (change_membership_structure, True),
    (add_second_role, False),
    (edit_note_only, False),
    (change_legal_form, True),
    (change_headcount_band, True),
    (remove_headcount_band, True),
    (rename_structure, False),
    (add_approval, True),
    (remove_approval, True),
    (clear_approvals, True),
    (approval_gains_structures, True),
    (approval_loses_every_structure, True),
    (approval_becomes_iae, True),
    (band_bound_changes, True),
    (delete_structure, True),
    (delete_pole, True),
    (unpublish_pole, True),
    (end_membership_in_admin, True),
    (share_in_admin, True),
    (change_legal_form_in_admin, True),
    (delete_pole_in_admin, True),
    (revert_structure, False),
    (revert_pole, False),
    (recover_pole, False),
    (recover_structure, False),
]


def test_the_fixture_starts_current(world):
    assert stored() == rebuilt()
    assert stored()[1], "some structure is shared"
    for poles in selections():
        assert observed(poles) == straightforward(poles)


@pytest.mark.parametrize(("write", "changes"), CASES, ids=[case[0].__name__ for case in CASES])
def test_every_write_keeps_the_tallies_current(world, national, write, changes):
    before = numbers()
    write(world, national)
    assert stored() == rebuilt()
    for poles in selections():
        assert observed(poles) == straightforward(poles)
    assert (numbers() != before) is changes


def test_a_write_that_changes_nothing_counted_refreshes_no_tally(world):
    """A membership's note, a structure's name: the stored row is read back and
    compared, and no tally is rebuilt."""
    membership = Membership.objects.get(pole=world["p1"], structure=world["alone"])
    membership.note = "Rien qui compte"
    shared = get(world, "shared")
    shared.name = "Partagée renommée"
    with CaptureQueriesContext(connection) as captured:
        membership.save()
        shared.save()
    assert not [query for query in captured if "membertally" in query["sql"].lower()]
    with CaptureQueriesContext(connection) as captured:
        membership.left_year = 2024
        membership.save()
    assert [query for query in captured if "membertally" in query["sql"].lower()]
