"""Synthetic poles for the public-page tests: rich enough that every part of a page
(memberships, approvals, figures, colleges, cooperators, territories) has rows, so that
query counts measured at two sizes mean something. Every name says it is synthetic."""

import datetime
from decimal import Decimal

from members.models import Cooperator
from poles.models import Approval, HeadcountBand, LegalForm, PoolingType, Recognition, Sector
from tests.factories import (
    CollegeFactory,
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    PoleFactory,
    StructureFactory,
    commune,
)

SEAT_CODE = "60333"  # Lachapelle-aux-Pots, Oise (60), Hauts-de-France (32)


def rich_pole(*, index: int, size: int, **overrides):
    """A published pole seated in Oise with `size` memberships, figures and cooperators."""
    seat = commune(SEAT_CODE)
    sectors = list(Sector.objects.order_by("position")[:3])
    defaults = {
        "name": f"Pôle synthétique {index:03d}",
        "slug": f"pole-synthetique-{index:03d}",
        "seat_commune": seat,
        "latitude": seat.latitude,
        "longitude": seat.longitude,
        "main_sector": sectors[0],
        "legal_form": LegalForm.objects.get(slug="scic"),
        "status_as_of": 2024,
    }
    defaults.update(overrides)
    pole = PoleFactory(sectors=sectors, **defaults)
    pole.territory_departements.set(["27", "76"])
    pole.territory_communes.set([seat])
    pole.pooling_types.set(PoolingType.objects.all()[:2])
    pole.recognitions.set(Recognition.objects.all()[:1])
    approvals = list(Approval.objects.all()[:2])
    band = HeadcountBand.objects.first()
    association = LegalForm.objects.get(slug="association")
    colleges = [
        CollegeFactory(pole=pole, name=f"Collège synthétique {n}", vote_weight=50) for n in range(2)
    ]
    for n in range(size):
        structure = StructureFactory(
            name=f"Structure synthétique {index:03d}-{n:03d}",
            legal_form=association,
            headcount_band=band,
            etp=Decimal("12.5"),
            turnover=250_000,
            figures_year=2022,
        )
        structure.approvals.set(approvals)
        MembershipFactory(pole=pole, structure=structure, joined_year=2016)
        KeyFigureFactory(pole=pole, year=2023 - n, etp=10 + n, turnover=100_000 * (n + 1))
        CooperatorFactory(
            pole=pole,
            kind=Cooperator.Kind.ORGANISATION,
            name=f"Organisation synthétique {index:03d}-{n:03d}",
            college=colleges[n % 2],
        )
        CooperatorFactory(
            pole=pole,
            kind=Cooperator.Kind.PERSON,
            name=f"Personne synthétique {index:03d}-{n:03d}",
            email=f"personne-{index}-{n}@example.invalid",
            phone="06 00 00 00 00",
            consents_to_publication=n % 2 == 0,
            consent_recorded_on=datetime.date(2024, 1, 1) if n % 2 == 0 else None,
            college=colleges[n % 2],
        )
    return pole


def rich_poles(count: int, *, size: int = 3):
    return [rich_pole(index=index, size=size) for index in range(count)]
