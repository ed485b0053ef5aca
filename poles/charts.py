"""Small server-rendered bar charts (inline SVG) for a pole's key figures by year.

The chart is decoration: the data table that follows it on the page is the accessible
source of the same numbers, so the SVG is hidden from assistive technologies.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

WIDTH = 320
HEIGHT = 150
TOP = 16  # room for the value above the tallest bar
BOTTOM = 20  # room for the year below the bars
GAP = 8
# Above this many bars, value labels would overlap: every other bar is labelled,
# counting back from the latest year (the table below the chart has every value).
MAX_LABELLED_BARS = 6


def _rounded(value: Decimal, places: int) -> str:
    # number_format cuts extra digits off; a chart label rounds them.
    exponent = Decimal(1).scaleb(-places)
    return number_format(value.quantize(exponent, rounding=ROUND_HALF_UP), places)


@dataclass(frozen=True)
class Bar:
    year: int
    value: object
    x: float
    y: float
    width: float
    height: float
    approximate: bool
    labelled: bool = True

    @property
    def label_x(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def label(self) -> str:
        """The value, localised and shortened for turnover (1.2 M€)."""
        value = Decimal(self.value)
        if value >= 10_000_000:
            return _rounded(value / 1_000_000, 0) + " M"
        if value >= 1_000_000:
            return _rounded(value / 1_000_000, 1) + " M"
        if value >= 10_000:
            return _rounded(value / 1_000, 0) + " k"
        if value >= 100 or not value % 1:
            return _rounded(value, 0)
        return _rounded(value, 1)


@dataclass(frozen=True)
class Chart:
    field: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def year_y(self) -> int:
        return self.height - 5


def bar_chart(figures, field: str) -> Chart | None:
    """Bars for `field` of the given KeyFigure rows, oldest year first; None with
    fewer than one value."""
    points = [
        (figure.year, getattr(figure, field), figure.is_approximate)
        for figure in figures
        if getattr(figure, field) is not None
    ]
    if not points:
        return None
    points.sort(key=lambda point: point[0])
    top = max(float(value) for _, value, _ in points) or 1.0
    slot = WIDTH / max(len(points), 4)
    bar_width = slot - GAP
    usable = HEIGHT - TOP - BOTTOM
    bars = []
    for index, (year, value, approximate) in enumerate(points):
        height = max(float(value) / top * usable, 1.0)
        bars.append(
            Bar(
                year=year,
                value=value,
                x=round(index * slot + GAP / 2, 1),
                y=round(HEIGHT - BOTTOM - height, 1),
                width=round(bar_width, 1),
                height=round(height, 1),
                approximate=approximate,
                labelled=len(points) <= MAX_LABELLED_BARS or (len(points) - 1 - index) % 2 == 0,
            )
        )
    return Chart(field=field, bars=bars)
