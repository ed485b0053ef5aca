"""The pole page's small bar charts: compact labels that do not overlap."""

from decimal import Decimal
from types import SimpleNamespace

from django.utils import translation

from poles.charts import year_chart


def figures(values, field="etp"):
    return [
        SimpleNamespace(year=2015 + index, is_approximate=False, **{field: value})
        for index, value in enumerate(values)
    ]


def test_labels_are_short_whatever_the_magnitude():
    with translation.override("fr"):
        chart = year_chart(
            figures([Decimal("12.5"), Decimal("1903.8"), 45_000, 1_234_567, 150_603_263]),
            "etp",
        )
        assert [bar.label for bar in chart.bars] == ["12,5", "1904", "45 k", "1,2 M", "151 M"]


def test_many_years_label_every_other_bar_from_the_latest():
    chart = year_chart(figures(list(range(1, 11))), "etp")
    labelled = [bar.year for bar in chart.bars if bar.labelled]
    assert labelled == [2016, 2018, 2020, 2022, 2024]
    assert chart.bars[-1].labelled


def test_a_few_years_label_every_bar():
    chart = year_chart(figures([1, 2, 3]), "etp")
    assert all(bar.labelled for bar in chart.bars)
