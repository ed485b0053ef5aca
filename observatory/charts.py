"""Server-rendered SVG charts (horizontal bars and lines), no chart library.

Geometry is computed here and every coordinate is formatted as a plain string, so
that the templates never localise a number (a French decimal comma would break the
SVG). The charts are hidden from assistive technologies: the data table that
follows each of them on the page holds the same numbers.
"""

from dataclasses import dataclass, field

from django.utils.formats import number_format

BAR_WIDTH = 640
BAR_LABEL_WIDTH = 230  # room for the category's name, left of the bars
BAR_VALUE_WIDTH = 70  # room for the value, right of the longest bar
BAR_HEIGHT = 20
BAR_GAP = 8
LABEL_MAX_CHARS = 34

LINE_WIDTH = 640
LINE_HEIGHT = 240
LINE_LEFT = 64
LINE_RIGHT = 16
LINE_TOP = 16
LINE_BOTTOM = 28


def _n(value: float) -> str:
    """A coordinate as SVG wants it: a dot, at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _short(label: str) -> str:
    label = str(label)
    return label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "…"


def short_number(value) -> str:
    """A value for a chart label: localised, shortened above ten thousand (1,2 M)."""
    value = float(value)
    if abs(value) >= 1_000_000:
        return number_format(round(value / 1_000_000, 1), 1) + " M"
    if abs(value) >= 10_000:
        return number_format(round(value / 1_000), 0) + " k"
    if value != int(value):
        return number_format(round(value, 1), 1)
    return number_format(int(value), 0)


@dataclass(frozen=True)
class Bar:
    label: str
    value_label: str
    y: str
    text_y: str
    width: str
    value_x: str
    reference_x: str | None = None  # a comparison mark (the survey's share)


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    height: str
    width: str = str(BAR_WIDTH)
    bar_x: str = str(BAR_LABEL_WIDTH)
    bar_height: str = str(BAR_HEIGHT)
    label_x: str = str(BAR_LABEL_WIDTH - 6)
    has_reference: bool = False
    kind: str = "bars"


def bar_chart(items, *, maximum=None, suffix: str = "") -> BarChart | None:
    """Horizontal bars. `items`: (label, value, reference or None). `maximum` fixes the
    scale (100 for percentages), else the largest value or reference."""
    items = [(label, value, reference) for label, value, reference in items if value is not None]
    if not items:
        return None
    top = maximum or max(
        max(float(value) for _, value, _ in items),
        max((float(reference) for _, _, reference in items if reference is not None), default=0),
    )
    top = top or 1.0
    usable = BAR_WIDTH - BAR_LABEL_WIDTH - BAR_VALUE_WIDTH
    bars = []
    for index, (label, value, reference) in enumerate(items):
        y = index * (BAR_HEIGHT + BAR_GAP) + BAR_GAP / 2
        width = float(value) / top * usable
        bars.append(
            Bar(
                label=_short(label),
                value_label=short_number(value) + suffix,
                y=_n(y),
                text_y=_n(y + BAR_HEIGHT * 0.7),
                width=_n(max(width, 1.0 if float(value) else 0.0)),
                value_x=_n(BAR_LABEL_WIDTH + width + 6),
                reference_x=(
                    None
                    if reference is None
                    else _n(BAR_LABEL_WIDTH + float(reference) / top * usable)
                ),
            )
        )
    height = len(items) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
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


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    polyline: str
    ticks: list[dict] = field(default_factory=list)
    width: str = str(LINE_WIDTH)
    height: str = str(LINE_HEIGHT)
    left: str = str(LINE_LEFT)
    right: str = str(LINE_WIDTH - LINE_RIGHT)
    baseline: str = str(LINE_HEIGHT - LINE_BOTTOM)
    year_y: str = str(LINE_HEIGHT - 8)
    kind: str = "line"


def line_chart(points) -> LineChart | None:
    """A line over years. `points`: (year, value), any order; None without any value."""
    points = sorted((year, value) for year, value in points if value is not None)
    if not points:
        return None
    top = max(float(value) for _, value in points) or 1.0
    first, last = points[0][0], points[-1][0]
    span = max(last - first, 1)
    usable_x = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    usable_y = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    # Label about eight years along the axis, whatever the span.
    step = max(1, round(span / 8))
    drawn = []
    for year, value in points:
        x = LINE_LEFT + (year - first) / span * usable_x if span else LINE_LEFT + usable_x / 2
        y = LINE_TOP + usable_y - float(value) / top * usable_y
        drawn.append(
            Point(
                x=_n(x),
                y=_n(y),
                year=year,
                value_label=short_number(value),
                show_year=(year - first) % step == 0 or year == last,
            )
        )
    ticks = [
        {"y": _n(LINE_TOP + usable_y - fraction * usable_y), "label": short_number(top * fraction)}
        for fraction in (0, 0.5, 1)
    ]
    return LineChart(
        points=drawn,
        polyline=" ".join(f"{point.x},{point.y}" for point in drawn),
        ticks=ticks,
    )
