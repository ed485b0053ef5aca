"""A territory's or a sector's figures (`figure_totals_of`, hand-written SQL) are the
ORM's `figure_totals()` over the same poles, on both databases."""

from decimal import Decimal

import pytest

from poles import selectors
from poles.models import KeyFigure

from ..factories import KeyFigureFactory, PoleFactory

pytestmark = pytest.mark.django_db


def orm_totals(ids):
    return selectors.figure_totals(KeyFigure.objects.filter(pole_id__in=ids))


def test_no_pole_and_no_figure():
    assert selectors.figure_totals_of([]) == orm_totals([])
    lonely = PoleFactory()
    assert selectors.figure_totals_of([lonely.pk]) == orm_totals([lonely.pk])
    assert selectors.figure_totals_of([lonely.pk])["etp"].pole_count == 0


def test_the_totals_are_the_orm_s():
    poles = [PoleFactory() for _ in range(5)]
    rows = [
        (0, 2022, Decimal("12.5"), 100_000, False),
        (0, 2023, Decimal("13.25"), None, True),
        (1, 2023, 145, 2_000_000, False),
        (1, 2021, None, 50_000, True),
        (2, 2023, Decimal("0.75"), 9_000_000_000, True),
        (3, 2020, Decimal("1.1"), None, False),
        (4, 2023, None, None, False),
    ]
    for index, year, etp, turnover, approximate in rows:
        KeyFigureFactory(
            pole=poles[index], year=year, etp=etp, turnover=turnover, is_approximate=approximate
        )
    other = PoleFactory()
    KeyFigureFactory(pole=other, year=2023, etp=1000, turnover=1)  # not selected
    for selection in ([p.pk for p in poles], [poles[1].pk, poles[3].pk], [poles[4].pk]):
        ours = selectors.figure_totals_of(selection)
        assert ours == orm_totals(selection)
        assert {name: str(total.total) for name, total in ours.items()} == {
            name: str(total.total) for name, total in orm_totals(selection).items()
        }
    totals = selectors.figure_totals_of([p.pk for p in poles])
    assert totals["etp"].year == 2023 and totals["etp"].total == 159
    assert totals["etp"].pole_count == 3 and totals["etp"].approximate_count == 2
    assert totals["etp"].other_poles == 1  # pole 3 published an ETP for 2020 only
    assert totals["turnover"].total == 9_002_000_000 and totals["turnover"].other_poles == 1


def test_one_query(django_assert_num_queries):
    pole = PoleFactory()
    KeyFigureFactory(pole=pole)
    with django_assert_num_queries(1):
        selectors.figure_totals_of([pole.pk])


def test_a_national_selection_fits_the_database_s_parameters():
    """Each id is sent once, as the ORM's `pole_id__in` does (PostgreSQL takes 65,535
    parameters at most): a selection of 40,000 poles is answered, not a 500."""
    pole = PoleFactory()
    KeyFigureFactory(pole=pole, year=2023, etp=3)
    ids = [pole.pk, *range(10**7, 10**7 + 39_999)]
    assert selectors.figure_totals_of(ids)["etp"].total == 3
