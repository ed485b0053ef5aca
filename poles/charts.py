"""Server-rendered SVG charts, no chart library: the small bars of a pole's key figures
by year, and the observatory's horizontal bars and lines.

Geometry is computed here and every coordinate is written as a plain string (`_n`), so
that a template never localises a number (a French decimal comma would break the SVG).
The charts are decoration, hidden from assistive technologies: the table beside each
of them is the accessible source of the same numbers. One number shortener
(`short_number`) labels them all.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.utils.formats import number_format

# A pole's key figures by year (vertical bars).
YEAR_WIDTH = 320
YEAR_HEIGHT = 150
YEAR_TOP = 16  # room for the value above the tallest bar
YEAR_BOTTOM = 20  # room for the year below the bars
YEAR_GAP = 8
# Above this many bars, value labels would overlap: every other bar is labelled,
# counting back from the latest year (the table below the chart has every value).
MAX_LABELLED_BARS = 6


# The observatory's charts (horizontal bars, lines).
BAR_WIDTH = 640
BAR_VALUE_WIDTH = 70  # room for the value, right of the longest bar
BAR_LABEL_HEIGHT = 16  # each category's name sits on its own line, above its bar
BAR_HEIGHT = 18
BAR_GAP = 10
# The names have the chart's whole width (640 units, about 95 characters at 12 px):
# never cut at the edge; the longest names of the reference lists are near 60.
LABEL_MAX_CHARS = 90

LINE_WIDTH = 640
LINE_HEIGHT = 240
LINE_LEFT = 64
LINE_RIGHT = 16
LINE_TOP = 16
LINE_BOTTOM = 28
LINE_COUNT_ROW = 16  # the "n = …" row under the years


def _rounded(value: Decimal, places: int) -> str:
    # number_format cuts extra digits off; a chart label rounds them.
    exponent = Decimal(1).scaleb(-places)
    return number_format(value.quantize(exponent, rounding=ROUND_HALF_UP), places)


def short_number(value) -> str:
    """A value for a chart label, localised and shortened: 12,5 · 1904 · 45 k · 1,2 M ·
    151 M (the table beside each chart has the exact numbers)."""
    value = Decimal(str(value))
    magnitude = abs(value)
    if magnitude >= 10_000_000:
        return _rounded(value / 1_000_000, 0) + " M"
    if magnitude >= 1_000_000:
        return _rounded(value / 1_000_000, 1) + " M"
    if magnitude >= 10_000:
        return _rounded(value / 1_000, 0) + " k"
    if magnitude >= 100 or not value % 1:
        return _rounded(value, 0)
    return _rounded(value, 1)


@dataclass(frozen=True)
class YearBar:
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
        return short_number(self.value)

    @property
    def value_y(self) -> int:
        """4 units above the bar, on a whole unit."""
        return int(self.y) - 4

    # Coordinates as SVG wants them whatever the language (see _n).
    @property
    def svg(self) -> dict:
        return {name: _n(getattr(self, name)) for name in ("x", "y", "width", "height", "label_x")}


@dataclass(frozen=True)
class YearChart:
    field: str
    bars: list[YearBar]
    width: int = YEAR_WIDTH
    height: int = YEAR_HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - YEAR_BOTTOM

    @property
    def year_y(self) -> int:
        return self.height - 5


def year_chart(figures, field: str) -> YearChart | None:
    """Bars for `field` of the given KeyFigure rows, oldest year first; None with
    fewer than two values (one bar compares nothing: the table says it)."""
    points = [
        (figure.year, getattr(figure, field), figure.is_approximate)
        for figure in figures
        if getattr(figure, field) is not None
    ]
    if len(points) < 2:
        return None
    points.sort(key=lambda point: point[0])
    top = max(float(value) for _, value, _ in points) or 1.0
    slot = YEAR_WIDTH / max(len(points), 4)
    bar_width = slot - YEAR_GAP
    usable = YEAR_HEIGHT - YEAR_TOP - YEAR_BOTTOM
    bars = []
    for index, (year, value, approximate) in enumerate(points):
        height = max(float(value) / top * usable, 1.0)
        bars.append(
            YearBar(
                year=year,
                value=value,
                x=round(index * slot + YEAR_GAP / 2, 1),
                y=round(YEAR_HEIGHT - YEAR_BOTTOM - height, 1),
                width=round(bar_width, 1),
                height=round(height, 1),
                approximate=approximate,
                labelled=len(points) <= MAX_LABELLED_BARS or (len(points) - 1 - index) % 2 == 0,
            )
        )
    return YearChart(field=field, bars=bars)


def _n(value: float) -> str:
    """A coordinate as SVG wants it: a dot, at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _short(label: str) -> str:
    label = str(label)
    return label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "…"


@dataclass(frozen=True)
class HorizontalBar:
    label: str
    value_label: str
    y: str
    label_y: str
    text_y: str
    width: str
    value_x: str
    reference_x: str | None = None  # a comparison mark (the survey's share)


@dataclass(frozen=True)
class BarChart:
    bars: list[HorizontalBar]
    height: str
    width: str = str(BAR_WIDTH)
    bar_x: str = "0"
    bar_height: str = str(BAR_HEIGHT)
    label_x: str = "2"  # a glyph like "Î" overhangs its origin
    has_reference: bool = False
    kind: str = "bars"


def bar_chart(items, *, maximum=None, suffix: str = "") -> BarChart | None:
    """Horizontal bars, each under its category's name. `items`: (label, value,
    reference or None). `maximum` fixes the scale (100 for percentages), else the
    largest value or reference. None with fewer than two values: one bar compares
    nothing (the table gives the value)."""
    items = [(label, value, reference) for label, value, reference in items if value is not None]
    if len(items) < 2:
        return None
    top = maximum or max(
        max(float(value) for _, value, _ in items),
        max((float(reference) for _, _, reference in items if reference is not None), default=0),
    )
    top = top or 1.0
    usable = BAR_WIDTH - BAR_VALUE_WIDTH
    row = BAR_LABEL_HEIGHT + BAR_HEIGHT + BAR_GAP
    bars = []
    for index, (label, value, reference) in enumerate(items):
        y = index * row + BAR_LABEL_HEIGHT
        width = float(value) / top * usable
        reference_x = None if reference is None else float(reference) / top * usable
        # The value follows the bar, or the comparison mark when that is further
        # right: a mark never covers the value ("0 %" next to a 2 % survey share).
        end = max(width, -1.0 if reference_x is None else reference_x + 3)
        bars.append(
            HorizontalBar(
                label=_short(label),
                value_label=short_number(value) + suffix,
                y=_n(y),
                label_y=_n(y - 4),
                text_y=_n(y + BAR_HEIGHT * 0.72),
                width=_n(max(width, 1.0 if float(value) else 0.0)),
                value_x=_n(end + 6),
                reference_x=None if reference_x is None else _n(reference_x),
            )
        )
    height = len(items) * row
    return BarChart(
        bars=bars,
        height=_n(height),
        has_reference=any(bar.reference_x is not None for bar in bars),
    )


@dataclass(frozen=True)
class Point:
    x: str
    y: str
    year: int
    value_label: str
    show_year: bool
    count_label: str = ""  # "n = 12": the poles behind the value, under its year


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    segments: list[str]  # each a polyline's points: a line never joins unlike values
    ticks: list[dict] = field(default_factory=list)
    width: str = str(LINE_WIDTH)
    height: str = str(LINE_HEIGHT)
    left: str = str(LINE_LEFT)
    right: str = str(LINE_WIDTH - LINE_RIGHT)
    baseline: str = str(LINE_HEIGHT - LINE_BOTTOM)
    year_y: str = str(LINE_HEIGHT - LINE_BOTTOM + 20)
    count_y: str = str(LINE_HEIGHT - LINE_BOTTOM + 36)
    kind: str = "line"


def line_chart(points, *, groups: dict | None = None, counts: dict | None = None):
    """A line over years; None with fewer than two values (one point compares nothing).

    `points`: (year, value), any order. `groups` ({year: key}, optional): two successive
    points are joined only when their keys are equal, so that a line never joins a
    total over some poles to a total over others (a "collapse" that is only a change
    of poles). `counts` ({year: n}, optional): printed under each year as "n = …"."""
    points = sorted((year, value) for year, value in points if value is not None)
    if len(points) < 2:
        return None
    height = LINE_HEIGHT + (LINE_COUNT_ROW if counts else 0)
    top = max(float(value) for _, value in points) or 1.0
    first, last = points[0][0], points[-1][0]
    span = max(last - first, 1)
    usable_x = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    usable_y = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    # Label about eight years along the axis, whatever the span.
    step = max(1, round(span / 8))
    drawn = []
    for year, value in points:
        x = LINE_LEFT + (year - first) / span * usable_x
        y = LINE_TOP + usable_y - float(value) / top * usable_y
        show_year = (year - first) % step == 0 or year == last
        drawn.append(
            Point(
                x=_n(x),
                y=_n(y),
                year=year,
                value_label=short_number(value),
                show_year=show_year,
                count_label=f"n = {counts[year]}" if counts and show_year else "",
            )
        )
    segments, current = [], [drawn[0]]
    for previous, point in pairwise(drawn):
        if groups is None or groups.get(previous.year) == groups.get(point.year):
            current.append(point)
        else:
            segments.append(current)
            current = [point]
    segments.append(current)
    ticks = [
        {"y": _n(LINE_TOP + usable_y - fraction * usable_y), "label": short_number(top * fraction)}
        for fraction in (0, 0.5, 1)
    ]
    return LineChart(
        points=drawn,
        segments=[
            " ".join(f"{point.x},{point.y}" for point in segment)
            for segment in segments
            if len(segment) > 1
        ],
        ticks=ticks,
        height=str(height),
    )
