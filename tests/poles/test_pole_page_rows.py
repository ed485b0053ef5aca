"""A pole page's members table is read by hand-written SQL (poles/selectors.py,
MEMBERSHIPS_SQL): the same rows as the ORM gives, in their order, page by page, in both
languages, on both databases."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import translation

from poles import selectors
from poles.models import Approval, HeadcountBand, LegalForm, Membership, Structure

from ..factories import MembershipFactory, PoleFactory, StructureFactory

pytestmark = pytest.mark.django_db


def orm_memberships(pole, offset, size) -> list[dict]:
    """The rows as the ORM reads them (the definition the SQL restates)."""
    rows = list(
        Membership.objects.filter(pole=pole)
        .order_by("role", "structure__name", "pk")
        .values(
            "structure_id",
            "role",
            "joined_year",
            "left_year",
            name=F("structure__name"),
            website=F("structure__website"),
            etp=F("structure__etp"),
            turnover=F("structure__turnover"),
            figures_year=F("structure__figures_year"),
            legal_form_name=F("structure__legal_form__name"),
            legal_form_name_en=F("structure__legal_form__name_en"),
            legal_form_abbreviation=F("structure__legal_form__abbreviation"),
            headcount_band=F("structure__headcount_band__label"),
        )[offset : offset + size]
    )
    english = translation.get_language().startswith("en")
    approvals = defaultdict(list)
    links = (
        Structure.approvals.through.objects.filter(
            structure_id__in={row["structure_id"] for row in rows}
        )
        .order_by("approval__position", "approval__name")
        .values_list(
            "structure_id", "approval__name", "approval__name_en", "approval__abbreviation"
        )
    )
    for structure_id, name, name_en, abbreviation in links:
        label = name_en if english and name_en else name
        approvals[structure_id].append((label, abbreviation or label))
    for row in rows:
        row["legal_form"] = None
        if row["legal_form_name"] is not None:
            label = (
                row["legal_form_name_en"]
                if english and row["legal_form_name_en"]
                else row["legal_form_name"]
            )
            row["legal_form"] = (label, row["legal_form_abbreviation"] or label)
        row["approvals"] = approvals[row["structure_id"]]
    return rows


@pytest.fixture
def pole():
    pole = PoleFactory()
    forms = list(LegalForm.objects.order_by("pk")[:2])
    band = HeadcountBand.objects.order_by("pk").first()
    approvals = list(Approval.objects.order_by("pk")[:3])
    for index in range(7):
        etp = [None, Decimal("12.5"), 3, Decimal("0.75")][index % 4]
        structure = StructureFactory(
            name=f"Structure {'BACEGDF'[index]}",
            legal_form=forms[index % 2] if index % 3 else None,
            headcount_band=band if index % 2 else None,
            etp=etp,
            turnover=index * 1000 or None,
            figures_year=2023 if etp is not None or index else None,
            website=f"https://example.org/{index}" if index % 2 else "",
        )
        structure.approvals.set(approvals[: index % 4])
        MembershipFactory(
            pole=pole,
            structure=structure,
            role=Membership.Role.FOUNDER if index % 3 == 0 else Membership.Role.MEMBER,
            joined_year=2015 + index if index % 2 else None,
            left_year=2022 if index == 5 else None,
        )
    MembershipFactory()  # another pole's
    return pole


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_members_rows_are_the_orm_s(pole, language, monkeypatch):
    monkeypatch.setattr(selectors, "MEMBERS_PAGE_SIZE", 3)
    with translation.override(language):
        pages = [selectors.pole_memberships(pole, offset=offset) for offset in (0, 3, 6, 9)]
        assert pages == [orm_memberships(pole, offset, 3) for offset in (0, 3, 6, 9)]
    assert [len(page) for page in pages] == [3, 3, 1, 0]
    assert [str(row["etp"]) for page in pages for row in page] == [
        str(row["etp"]) for offset in (0, 3, 6) for row in orm_memberships(pole, offset, 3)
    ]
    rows = [row for page in pages for row in page]
    assert {row["etp"] for row in rows} == {None, Decimal("12.5"), Decimal("3"), Decimal("0.75")}
    assert any(len(row["approvals"]) == 3 for row in rows)


def test_the_members_page_costs_one_query(pole, django_assert_num_queries):
    """The memberships and their structures' approvals in one statement."""
    with django_assert_num_queries(1):
        assert len(selectors.pole_memberships(pole)) == 7


def test_the_sources_are_the_orm_s(pole):
    """A pole's sources come with its linked lists (POLE_LINKS_SQL), in the order of
    `PoleSource.Meta.ordering` (position, then id), years as numbers or None."""
    from poles.models import PoleSource

    for position, citation, year in [
        (2, "Rapport d'activité synthétique", 2023),
        (1, "Article de presse synthétique", None),
        (2, "Délibération synthétique", 2019),
        (0, "Site web synthétique", 2024),
    ]:
        PoleSource.objects.create(
            pole=pole, position=position, citation=citation, year=year, url="https://example.org/"
        )
    expected = list(PoleSource.objects.filter(pole=pole).values("citation", "url", "year"))
    lists = selectors.pole_lists(pole)
    assert lists["sources"] == expected
    assert expected[0]["citation"] == "Site web synthétique"
    assert lists["sources_year"] == 2024
