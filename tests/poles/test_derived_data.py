"""Derived data, source by source (poles/derived.py).

One row per way of writing a source: the write, then what each derived value must
say afterwards. The derived values are a pole's `updated_at`, its coverage
(PoleCoverage: the départements it covers), its search text (what `?q=` finds) and its
member structure tallies (MemberTally, SharedMember: as a rebuild would store them;
tests/poles/test_member_tallies.py has the writes that change them).
"""

from datetime import timedelta
from io import StringIO

import pytest
import reversion
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from editors.models import EditorProfile
from members.models import Cooperator
from poles.models import KeyFigure, Membership, Pole, PoleCoverage, Sector, Structure
from territories.models import Commune
from tests.admin_forms import change_form_data
from tests.factories import (
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    StructureFactory,
    editor,
    located_pole,
)
from tests.structure_counts import rebuilt, stored

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=400)


@pytest.fixture
def pole():
    """A pole in Beauvais (Oise) with one member structure, whose derived values are
    current, and whose `updated_at` is set back to a year ago."""
    pole = located_pole("60057", name="Pôle témoin")
    MembershipFactory(pole=pole, structure=StructureFactory(name="Atelier Ancien"))
    Pole.objects.filter(pk=pole.pk).update(updated_at=LONG_AGO)
    return Pole.objects.get(pk=pole.pk)


@pytest.fixture
def national(client):
    client.force_login(editor(EditorProfile.Role.NATIONAL, username="derived-national"))
    return client


def found(text: str) -> set[str]:
    return set(Pole.objects.search(text).values_list("slug", flat=True))


def covered(pole) -> set[str]:
    return set(PoleCoverage.objects.filter(pole=pole).values_list("departement_id", flat=True))


def stamped(pole) -> bool:
    return Pole.objects.get(pk=pole.pk).updated_at > LONG_AGO


# --- The writes -------------------------------------------------------------------


def rename_sector(pole, client):
    sector = Sector.objects.order_by("pk").first()
    pole.sectors.add(sector)
    Pole.objects.filter(pk=pole.pk).update(updated_at=LONG_AGO)
    sector.name = "Zythologie solidaire"
    sector.save()
    return "zythologie"


def rename_sector_in_admin(pole, client):
    sector = Sector.objects.order_by("pk").first()
    pole.sectors.add(sector)
    Pole.objects.filter(pk=pole.pk).update(updated_at=LONG_AGO)
    url = reverse("admin:poles_sector_change", args=[sector.pk])
    data = change_form_data(client.get(url))
    data["name"] = "Zythologie solidaire"
    assert client.post(url, data).status_code == 302
    return "zythologie"


def rename_structure(pole, client):
    structure = Structure.objects.get(name="Atelier Ancien")
    structure.name = "Atelier Xénon"
    structure.save()
    return "xenon"


def rename_structure_in_admin(pole, client):
    structure = Structure.objects.get(name="Atelier Ancien")
    url = reverse("admin:poles_structure_change", args=[structure.pk])
    data = change_form_data(client.get(url))
    data["name"] = "Atelier Xénon"
    assert client.post(url, data).status_code == 302
    return "xenon"


def add_membership(pole, client):
    MembershipFactory(pole=pole, structure=StructureFactory(name="Coopérative Quetzal"))
    return "quetzal"


def move_membership_away(pole, client):
    other = located_pole("76540", name="Autre pôle")
    membership = Membership.objects.get(pole=pole)
    membership.pole = other
    membership.save()
    return None


def delete_membership(pole, client):
    Membership.objects.filter(pole=pole).get().delete()
    return None


def rename_pole(pole, client):
    pole.name = "Pôle Wapiti"
    pole.save()
    return "wapiti"


def move_seat(pole, client):
    pole.seat_commune = Commune.objects.get(code="76540")  # Rouen
    pole.save()
    return "rouen"


def edit_in_admin_form(pole, client):
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    data.update(name="Pôle Ocelot", seat_commune="76540")
    assert client.post(url, data).status_code == 302
    return "ocelot"


def create_structure_in_membership_row(pole, client):
    """The pole form's membership row that creates its structure (no pop-up)."""
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    index = int(data["memberships-TOTAL_FORMS"])
    data["memberships-TOTAL_FORMS"] = index + 1
    data[f"memberships-{index}-new_structure_name"] = "Coopérative Yack"
    data[f"memberships-{index}-role"] = "member"
    assert client.post(url, data).status_code == 302
    return "yack"


def add_key_figure(pole, client):
    KeyFigureFactory(pole=pole, year=2024)
    return None


def delete_key_figure(pole, client):
    figure = KeyFigureFactory(pole=pole, year=2023)
    Pole.objects.filter(pk=pole.pk).update(updated_at=LONG_AGO)
    KeyFigure.objects.get(pk=figure.pk).delete()
    return None


def add_cooperator(pole, client):
    CooperatorFactory(pole=pole, kind=Cooperator.Kind.ORGANISATION)
    return None


def revert_pole(pole, client):
    with reversion.create_revision():
        pole.name = "Pôle Gnou"
        pole.save()
    first = Version.objects.get_for_object(pole).get()
    pole.name = "Pôle Autre"
    pole.seat_commune = Commune.objects.get(code="76540")
    pole.save()
    url = reverse("admin:poles_pole_revision", args=[pole.pk, first.pk])
    assert client.post(url, change_form_data(client.get(url))).status_code == 302
    return "gnou"


def recover_pole(pole, client):
    with reversion.create_revision():
        pole.name = "Pôle Tapir"
        pole.save()
    pk = pole.pk
    client.post(reverse("admin:poles_pole_delete", args=[pk]), {"post": "yes"})
    deleted = Version.objects.get_deleted(Pole).get(object_id=str(pk))
    url = reverse("admin:poles_pole_recover", args=[deleted.pk])
    assert client.post(url, change_form_data(client.get(url))).status_code == 302
    return "tapir"


def reload_territories(pole, client):
    PoleCoverage.objects.filter(pole=pole).delete()
    Pole.objects.filter(pk=pole.pk).update(search_text="")
    call_command("load_territories", "--force", stdout=StringIO())
    return "beauvais"


# (write, expected coverage, pole stamped?, searched word found?)
CASES = [
    (rename_sector, {"60"}, True, True),
    (rename_sector_in_admin, {"60"}, True, True),
    (rename_structure, {"60"}, True, True),
    (rename_structure_in_admin, {"60"}, True, True),
    (add_membership, {"60"}, True, True),
    (move_membership_away, {"60"}, True, None),
    (delete_membership, {"60"}, True, None),
    (rename_pole, {"60"}, True, True),
    (move_seat, {"76"}, True, True),
    (edit_in_admin_form, {"76"}, True, True),
    (create_structure_in_membership_row, {"60"}, True, True),
    (add_key_figure, {"60"}, True, None),
    (delete_key_figure, {"60"}, True, None),
    (add_cooperator, {"60"}, True, None),
    (revert_pole, {"60"}, True, True),
    (recover_pole, {"60"}, True, True),
    (reload_territories, {"60"}, False, True),
]


@pytest.mark.parametrize(
    ("write", "coverage", "stamps", "finds"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_every_source_keeps_every_derived_value(pole, national, write, coverage, stamps, finds):
    word = write(pole, national)
    pole = Pole.objects.get(pk=pole.pk)
    assert covered(pole) == coverage
    assert stamped(pole) is stamps
    if finds is not None:
        assert pole.slug in found(word)
    assert stored() == rebuilt()


def test_a_structure_moved_to_another_pole_leaves_the_old_poles_search():
    pole = located_pole("60057", name="Pôle témoin")
    MembershipFactory(pole=pole, structure=StructureFactory(name="Atelier Ancien"))
    assert pole.slug in found("ancien")
    move_membership_away(pole, None)
    assert pole.slug not in found("ancien")
    assert Pole.objects.get(name="Autre pôle").slug in found("ancien")


def test_a_deleted_sector_leaves_the_search():
    pole = located_pole("60057", name="Pôle témoin")
    sector = Sector.objects.create(name="Ornithologie", slug="ornithologie")
    pole.sectors.add(sector)
    assert pole.slug in found("ornithologie")
    sector.delete()
    assert pole.slug not in found("ornithologie")
