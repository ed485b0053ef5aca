"""A page of poles' rows (the directory's, the territory and sector pages' cards) is
read by hand-written SQL (poles/selectors.py, DIRECTORY_ROWS_SQL): the same rows as
the ORM's definitions of a published pole and of its latest ETP give, in both
languages, on both databases."""

from decimal import Decimal

import pytest
from django.utils import translation

from poles import selectors
from poles.models import Pole, Sector

from ..factories import KeyFigureFactory, PoleFactory, commune

pytestmark = pytest.mark.django_db


def orm_rows(ids) -> list[dict]:
    """The rows as the ORM reads them (the definition the SQL restates)."""
    rows = (
        Pole.objects.published()
        .filter(pk__in=ids)
        .with_latest_etp()
        .order_by()
        .values(*selectors.DIRECTORY_ROW_FIELDS, "latest_etp", "latest_etp_year")
    )
    by_id = {row["pk"]: row for row in rows}
    return selectors.with_sectors([by_id[pk] for pk in ids if pk in by_id])


@pytest.fixture
def poles():
    sectors = list(Sector.objects.order_by("position", "name")[:3])
    unnamed_in_english = Sector.objects.create(name="Secteur de test", slug="secteur-de-test")
    seated = PoleFactory(
        seat_commune=commune("60057"), to_complete=True, sectors=[sectors[2], sectors[0]]
    )
    KeyFigureFactory(pole=seated, year=2021, etp=Decimal("12.5"))
    KeyFigureFactory(pole=seated, year=2023, etp=None, turnover=1)  # latest ETP: 2021's
    KeyFigureFactory(pole=seated, year=2019, etp=145)
    bare = PoleFactory(summary="", founded_year=None, sectors=[unnamed_in_english])
    whole = PoleFactory(seat_commune=commune("75056"), sectors=sectors)
    KeyFigureFactory(pole=whole, year=2024, etp=Decimal("0.75"))
    hidden = PoleFactory(is_published=False)
    return [whole.pk, hidden.pk, seated.pk, bare.pk]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_rows_are_the_orm_s(poles, language):
    with translation.override(language):
        rows = selectors.directory_rows(poles)
        assert rows == orm_rows(poles)
        # The same decimals too, not only equal numbers ("12.5" is not "12.50").
        assert [str(row["latest_etp"]) for row in rows] == [
            str(row["latest_etp"]) for row in orm_rows(poles)
        ]
    assert [row["pk"] for row in rows] == [poles[0], poles[2], poles[3]]  # unpublished out
    whole, seated, bare = rows
    assert seated["latest_etp"] == Decimal("12.5") and seated["latest_etp_year"] == 2021
    assert str(whole["latest_etp"]) == str(orm_rows([poles[0]])[0]["latest_etp"])
    assert seated["to_complete"] is True and bare["to_complete"] is False
    assert bare["seat_commune__name"] is None and bare["latest_etp"] is None
    assert bare["sectors"] == ["Secteur de test"]


def test_a_page_of_cards_costs_one_query(poles, django_assert_num_queries):
    """The rows and their sectors in one round trip (DIRECTORY_ROWS_SQL)."""
    with django_assert_num_queries(1):
        selectors.pole_cards(poles)
    with django_assert_num_queries(0):
        assert selectors.pole_cards([]) == []
