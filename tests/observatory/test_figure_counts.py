"""The key figures' base (the poles with an ETP or turnover figure) is read from derived
data (PoleWithFigures): for every filter of the page, it and the yearly rows must be
exactly those of a straightforward computation over the selected poles' figures."""

import random

import pytest
from django.http import QueryDict

from observatory.facts import figure_counts, figures_in_python
from poles.models import KeyFigure, Pole, PoolingType, Sector
from poles.selectors import directory_filterset
from tests.factories import KeyFigureFactory, located_pole

pytestmark = pytest.mark.django_db

COMMUNES = ["60057", "76540", "69123", "13055", "33063", "59350", "75056", "97411"]


@pytest.fixture
def figured_world():
    """Twelve poles (two unpublished, one closed), in several régions, sectors and
    pooling types, most with a few years of figures, some years without ETP or turnover,
    two poles with counts only and one without figures; built from a fixed seed."""
    rng = random.Random(15)
    sectors = list(Sector.objects.order_by("pk"))
    pooling_types = list(PoolingType.objects.order_by("pk"))
    for index in range(12):
        pole = located_pole(
            COMMUNES[index % len(COMMUNES)],
            slug=f"chiffres-{index}",
            is_published=index not in (4, 9),
            status=Pole.Status.CLOSED if index == 7 else Pole.Status.ACTIVE,
            closed_year=2022 if index == 7 else None,
        )
        pole.sectors.set(rng.sample(sectors, 2))
        pole.pooling_types.set(rng.sample(pooling_types, 2))
        if index == 11:
            continue  # no figures at all
        for year in rng.sample(range(2018, 2025), rng.choice([1, 2, 4])):
            counts_only = index in (3, 8)
            KeyFigureFactory(
                pole=pole,
                year=year,
                etp=None if counts_only or rng.random() < 0.2 else rng.randint(1, 400) / 4,
                turnover=None if counts_only or rng.random() < 0.3 else rng.randint(1, 9) * 10**5,
                member_structures_count=rng.randint(3, 40),
            )


def filtered(query: str):
    filterset = directory_filterset(QueryDict(query))
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def without_keys(rows):
    return [{k: v for k, v in row.items() if not k.endswith("_key")} for row in rows]


def test_every_filter_gives_the_straightforward_figures(figured_world):
    sector = Sector.objects.order_by("pk").first()
    pooling_type = PoolingType.objects.order_by("pk").first()
    queries = [
        "",
        "statut=ferme",
        f"secteur={sector.slug}",
        f"mutualisation={pooling_type.slug}",
        "region=32",
        "departement=60",
        "q=chiffres",
        "q=inconnu",
    ]
    for query in queries:
        poles = filtered(query)
        selected = set(poles.values_list("pk", flat=True))
        figures = KeyFigure.objects.filter(pole_id__in=selected)
        expected = len(
            {
                pole_id
                for pole_id, etp, turnover in figures.values_list("pole_id", "etp", "turnover")
                if etp is not None or turnover is not None
            }
        )
        result = figure_counts(poles)
        assert result["poles"] == expected, query
        assert without_keys(result["years"]) == without_keys(figures_in_python(figures)["years"])
    assert figure_counts(filtered(""))["poles"] >= 5
