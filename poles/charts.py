"""Small server-rendered bar charts (inline SVG) for a pole's key figures by year.

The chart is decoration: the data table that follows it on the page is the accessible
source of the same numbers, so the SVG is hidden from assistive technologies.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format

WIDTH = 320
HEIGHT = 150
TOP = 16  # room for the value above the tallest bar
BOTTOM = 20  # room for the year below the bars
GAP = 8


@dataclass(frozen=True)
class Bar:
    year: int
    value: object
    x: float
    y: float
    width: float
    height: float
    approximate: bool

    @property
    def label_x(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def label(self) -> str:
        """The value, localised and shortened for turnover (1.2 M€)."""
        value = Decimal(self.value)
        if value >= 1_000_000:
            return number_format(value / 1_000_000, 1) + " M"
        if value >= 10_000:
            return number_format(value / 1_000, 0) + " k"
        return number_format(value.normalize() if value % 1 else value, 1 if value % 1 else 0)


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
            )
        )
    return Chart(field=field, bars=bars)
