"""Honest figures (issue 17, item 11): totals over one same year, no line joining
different poles, no chart of a single value or resting on fewer than five poles."""

import re
from decimal import Decimal

import pytest

from observatory import selectors
from poles import charts
from poles.models import Pole, PoolingType
from poles.selectors import figures_summary
from tests.factories import KeyFigureFactory, located_pole

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html: str, slug: str) -> str:
    """One indicator's <section> of /statistiques/."""
    match = re.search(rf'<section class="obs-indicator[^"]*" id="{slug}".*?</section>', html, re.S)
    assert match, slug
    return match.group(0)


# --- Home and territory totals ---------------------------------------------------


def test_the_home_never_adds_one_poles_2014_to_anothers_2024(client, seeded):
    """The seed: the PTCE du Pays de Bray published 145 ETP for 2014, Innovales 18 for
    2024. The old card summed them into "163 ETP"."""
    html = client.get("/").content.decode()
    page = text(html)
    assert "163" not in page
    assert "18 emplois en équivalent temps plein (ETP) en 2024" in page
    assert "total du pôle qui l’a publié pour 2024 (n = 1)" in page.replace("'", "’")
    assert "1 autre pôle l’a publié pour d’autres années seulement" in page.replace("'", "’")
    assert 'href="/statistiques/#chiffres-cles"' in html


def test_the_total_is_of_the_year_most_poles_published():
    a, b, c = (located_pole("60333", slug=f"honest-{name}") for name in "abc")
    KeyFigureFactory(pole=a, year=2023, etp=10, turnover=100)
    KeyFigureFactory(pole=a, year=2024, etp=12, turnover=None)
    KeyFigureFactory(pole=b, year=2023, etp=Decimal("5.5"), turnover=300, is_approximate=True)
    KeyFigureFactory(pole=c, year=2019, etp=100, turnover=None)
    summary = figures_summary(Pole.objects.published())
    etp = summary["etp"]
    assert (etp.total, etp.year, etp.pole_count, etp.other_poles) == (
        Decimal("15.5"),
        2023,
        2,
        1,  # c, whose only figure is of 2019
    )
    assert etp.approximate_count == 1
    turnover = summary["turnover"]
    assert (turnover.total, turnover.year, turnover.pole_count, turnover.other_poles) == (
        400,
        2023,
        2,
        0,
    )


def test_equal_counts_take_the_latest_year_and_no_figure_gives_none():
    a = located_pole("60333", slug="honest-equal")
    KeyFigureFactory(pole=a, year=2020, etp=3, turnover=None)
    KeyFigureFactory(pole=a, year=2022, etp=4, turnover=None)
    summary = figures_summary(Pole.objects.published())
    assert (summary["etp"].total, summary["etp"].year) == (4, 2022)
    assert summary["turnover"].total is None and summary["turnover"].pole_count == 0


# --- Pole pages ------------------------------------------------------------------


def test_a_pole_page_draws_no_chart_of_a_single_year(client):
    pole = located_pole("60333", slug="honest-single")
    KeyFigureFactory(pole=pole, year=2023, etp=7, turnover=None)
    html = client.get(pole.get_absolute_url()).content.decode()
    assert 'class="chart"' not in html
    assert "chart__bar" not in html
    assert '<td class="num">7</td>' in html  # the table still gives it
    KeyFigureFactory(pole=pole, year=2024, etp=9, turnover=None)
    html = client.get(pole.get_absolute_url()).content.decode()
    assert html.count('class="chart"') == 1  # ETP over two years; no turnover chart


def test_year_and_bar_charts_need_two_values():
    assert charts.year_chart([], "etp") is None
    assert charts.bar_chart([("Seule", 3, None)]) is None
    assert charts.bar_chart([("Une", 3, None), ("Deux", 4, None)]) is not None
    assert charts.line_chart([(2020, 5)]) is None


# --- The observatory's jobs and turnover ---------------------------------------------


def poles_with_figures(prefix: str, count: int, years: dict):
    """`count` poles, each with `years` ({year: etp})."""
    made = []
    for index in range(count):
        pole = located_pole("60333", slug=f"{prefix}-{index}")
        for year, etp in years.items():
            KeyFigureFactory(pole=pole, year=year, etp=etp, turnover=1000)
        made.append(pole)
    return made


def key_figures_chart():
    result = {item.slug: item for item in selectors.indicators(Pole.objects.published())}
    return result["chiffres-cles"]


def test_the_jobs_line_never_joins_different_poles(client):
    # 2021: five poles; 2022: five others (a different set, a "collapse" to 1 ETP each).
    poles_with_figures("early", 5, {2021: 30})
    poles_with_figures("late", 5, {2022: 1})
    indicator = key_figures_chart()
    chart = indicator.chart
    assert [point.year for point in chart.points] == [2021, 2022]
    assert chart.segments == []  # two dots, no line
    assert [point.count_label for point in chart.points] == ["n = 5", "n = 5"]
    html = client.get("/statistiques/").content.decode()
    jobs = section(html, "chiffres-cles")
    assert "<polyline" not in jobs
    assert "n = 5" in jobs


def test_the_same_poles_over_years_are_joined():
    poles_with_figures("panel", 5, {2021: 10, 2022: 12, 2023: 14})
    chart = key_figures_chart().chart
    assert len(chart.segments) == 1
    assert chart.segments[0].count(",") == 3  # three points on one line


def test_years_on_fewer_than_five_poles_are_left_out_of_the_chart():
    panel = poles_with_figures("panel", 5, {2022: 10, 2023: 12})
    KeyFigureFactory(pole=panel[0], year=2021, etp=500, turnover=None)  # one pole only
    indicator = key_figures_chart()
    assert [point.year for point in indicator.chart.points] == [2022, 2023]
    assert [row["year"] for row in indicator.rows] == [2021, 2022, 2023]  # table: all


def test_the_seed_draws_no_jobs_line_from_145_to_18(client, seeded):
    """One pole in 2014, another in 2024: no chart at all, the table says it."""
    indicator = key_figures_chart()
    assert indicator.chart is None
    assert "turnover_chart" not in indicator.extra
    html = client.get("/statistiques/").content.decode()
    assert "<svg" not in section(html, "chiffres-cles")


def test_single_values_and_thin_indicators_draw_no_chart(client, seeded):
    html = client.get("/statistiques/").content.decode()
    for slug in ("insertion", "moins-de-10-salaries"):  # one share each
        assert "<svg" not in section(html, slug), slug
    # "Locaux 100 %" rested on one pole: the pooling indicator is thin, drawn no more.
    documented = Pole.objects.published().filter(pooling_types__isnull=False).distinct()
    assert documented.count() < selectors.MIN_BASE
    pooling = section(html, "mutualisation")
    assert "obs-indicator--thin" in pooling
    assert "<svg" not in pooling
    assert "(n = " in pooling
    assert PoolingType.objects.exists()


def test_every_indicator_says_its_n(client, seeded):
    html = client.get("/statistiques/").content.decode()
    for slug in selectors.INDICATORS:
        assert re.search(r"\(n = \d+\)", section(html, slug)), slug


def test_the_api_data_of_an_indicator():
    poles_with_figures("api", 5, {2023: 2})
    data = key_figures_chart().as_data()
    assert data["slug"] == "chiffres-cles"
    assert data["base"] == 5 and data["min_base"] == 5 and data["is_thin"] is False
    assert [column["key"] for column in data["columns"]][:3] == ["year", "etp_poles", "etp_total"]
    assert data["rows"][0]["etp_poles"] == 5
    assert "etp_poles_key" not in data["rows"][0]


# --- Bar labels and marks --------------------------------------------------------------


def test_a_bar_label_is_never_cut_and_a_mark_never_covers_a_value():
    long = "Emplois partagés (groupement d'employeurs, mise à disposition)"
    chart = charts.bar_chart([(long, Decimal(0), Decimal(2)), ("Locaux", 100, 79)], maximum=100)
    assert chart.bars[0].label == long  # whole: it has the chart's width
    assert chart.label_x == "2"
    zero = chart.bars[0]
    # The value "0 %" starts right of the survey's mark (3 units wide), not under it.
    assert float(zero.value_x) > float(zero.reference_x) + 3
