"""The structure indicators read the poles' tallies (derived data) instead of every member
structure: the numbers must stay exactly those of a straightforward count, whatever
the selection, on a dataset where structures are shared by several poles."""

import random

import pytest
from django.http import QueryDict

from observatory import selectors
from poles.models import Approval, HeadcountBand, LegalForm, Membership, Pole, Sector
from poles.selectors import directory_filterset
from tests.factories import MembershipFactory, StructureFactory, located_pole
from tests.structure_counts import observed, rebuilt, stored, straightforward

pytestmark = pytest.mark.django_db

COMMUNES = ["60057", "76540", "69123", "13055", "33063", "59350", "75056", "97411"]


@pytest.fixture
def shared_world():
    """Twelve poles (two unpublished, one closed) and 90 structures in the survey's
    variety, a third of them in two or three poles, some holding two roles in one
    pole, some former members only; built from a fixed seed."""
    rng = random.Random(15)
    sectors = list(Sector.objects.order_by("pk"))
    forms = [None, *LegalForm.objects.order_by("pk")]
    bands = [None, *HeadcountBand.objects.order_by("pk")]
    approvals = list(Approval.objects.order_by("pk"))
    poles = []
    for index in range(12):
        pole = located_pole(
            COMMUNES[index % len(COMMUNES)],
            slug=f"partage-{index}",
            is_published=index not in (4, 9),
            status=Pole.Status.CLOSED if index == 7 else Pole.Status.ACTIVE,
            closed_year=2022 if index == 7 else None,
        )
        pole.sectors.set(rng.sample(sectors, 2))
        poles.append(pole)
    roles = list(Membership.Role.values)
    roles.remove(Membership.Role.ANIMATOR)
    roles.remove(Membership.Role.FOUNDER)  # the second role below
    for index in range(90):
        made = StructureFactory(
            name=f"Structure partagée {index}",
            legal_form=rng.choice(forms),
            headcount_band=rng.choice(bands),
        )
        made.approvals.set(rng.sample(approvals, rng.choice([0, 0, 1, 2])))
        for pole in rng.sample(poles, rng.choice([1, 1, 2, 3])):
            left = 2021 if rng.random() < 0.15 else None
            MembershipFactory(pole=pole, structure=made, role=rng.choice(roles), left_year=left)
            if rng.random() < 0.1:
                MembershipFactory(pole=pole, structure=made, role=Membership.Role.FOUNDER)
    return poles


def filtered(query: str):
    filterset = directory_filterset(QueryDict(query))
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def test_the_dataset_shares_structures(shared_world):
    shared = Membership.objects.filter(left_year__isnull=True).values("structure_id")
    assert stored()[1], "shared structures"
    assert stored() == rebuilt()
    assert shared.distinct().count() < shared.count()


def test_every_selection_gives_the_straightforward_numbers(shared_world):
    rng = random.Random(3)
    ids = [pole.pk for pole in shared_world]
    selections = [Pole.objects.all(), Pole.objects.none()]
    selections += [Pole.objects.filter(pk=pk) for pk in ids]
    selections += [Pole.objects.filter(pk__in=rng.sample(ids, size)) for size in range(2, 12)]
    # What the page and its CSV select: the directory's filters.
    sector = Sector.objects.order_by("pk").first()
    for query in ["", "statut=ferme", f"secteur={sector.slug}", "region=32", "q=partage"]:
        selections.append(filtered(query))
    for poles in selections:
        assert observed(poles) == straightforward(poles), poles.query


def test_the_indicators_show_the_straightforward_numbers(shared_world):
    poles = filtered("")
    expected = straightforward(poles)
    total = sum(row[0] for row in expected.values())
    result = {item.slug: item for item in selectors.indicators(poles)}
    assert result["insertion"].rows[0]["structures"] == total
    assert result["insertion"].rows[0]["iae"] == sum(row[1] for row in expected.values())
    small = result["moins-de-10-salaries"].rows[0]
    assert small["structures"] == sum(row[2] for row in expected.values())
    assert small["under_ten"] == sum(row[3] for row in expected.values())
    forms = {form.slug: form.pk for form in LegalForm.objects.all()}
    assert {row["legal_form"]: row["structures"] for row in result["formes-juridiques"].rows} == {
        slug: expected[pk][0] for slug, pk in forms.items() if pk in expected
    }


@pytest.mark.postgres
def test_a_search_without_letters_counts_no_structure(shared_world):
    """PostgreSQL: a search with no letter or digit selects nothing without a query."""
    assert observed(filtered("q=%21%21")) == {}
