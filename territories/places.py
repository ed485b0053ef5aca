"""Places a visitor names: communes (by name, postal code or INSEE code), EPCI,
départements and régions.

Two reads share one vocabulary:

- `suggest(text)`: what the place field's autocomplete offers (`/lieux.json`), each
  place with the `value` that names it unambiguously ("Beauvais (60)");
- `resolve(text)`: what a submitted place field means, typed by hand (no JavaScript)
  or chosen from the suggestions: one place, a list of choices when the text is
  ambiguous ("Saint-Denis"), or nothing.

Every lookup is indexed and bounded: communes by a prefix of their normalised name
(`Commune.search_name`), postal codes by a prefix of the code (`PostalCode.code`);
the EPCI, départements and régions (about 1,400 names) are matched in Python from one
list read under the data version. So a suggestion or a resolution costs at most three
queries, whatever is typed.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from math import cos, radians

from django.db import connection
from django.db.models import Case, Exists, FloatField, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Power
from django.utils.translation import gettext as _

from caching import versioned

from .models import EPCI, Commune, Departement, PostalCode
from .text import normalize
from .validators import DEPARTEMENT_CODE_RE

# A place field holds a name: longer text is not a place.
MAX_PLACE_LENGTH = 100
SUGGESTION_LIMIT = 10
# Communes read per suggestion (then ordered, arrondissements under their city, and
# cut to the limit); postal-code rows read per postal-code prefix.
COMMUNE_CANDIDATES = 30
POSTAL_CODE_ROWS = 60
# Choices offered for an ambiguous or partial name typed without JavaScript.
CHOICE_LIMIT = 12

# "Name (60)", "Name (2A)", "Name (974)", "Name (60000)": the value of a suggestion.
_QUALIFIED = re.compile(r"^(?P<name>.+?)\s*\(\s*(?P<qualifier>[0-9]{2,5}|2[AaBb][0-9]{0,3})\s*\)$")
_POSTAL_PREFIX = re.compile(r"^[0-9]{2,5}$")
_COMMUNE_CODE = re.compile(r"^(?:[0-9]{5}|2[AB][0-9]{3})$")
# Abbreviations visitors type for the commonest words of commune names.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_COMMUNE_COLUMNS = (
    "code",
    "name",
    "kind",
    "departement_id",
    "parent_id",
    "population",
    "latitude",
    "longitude",
    "postal_codes",
)


class Kind:
    COMMUNE = "commune"
    POSTAL_CODE = "postal_code"
    EPCI = "epci"
    DEPARTEMENT = "departement"
    REGION = "region"


@dataclass
class Place:
    """A place: a commune, the communes of a postal code, an EPCI, a département or a
    région. `value` is what the place field holds for it; `communes` are the communes
    (with parent, EPCI and département) it stands for, for a commune or a postal code."""

    kind: str
    code: str
    name: str
    value: str
    detail: str = ""
    communes: list = field(default_factory=list)
    population: int = 0

    @property
    def kind_label(self) -> str:
        return {
            Kind.COMMUNE: _("commune"),
            Kind.POSTAL_CODE: _("postal code"),
            Kind.EPCI: _("intercommunality (EPCI)"),
            Kind.DEPARTEMENT: _("département"),
            Kind.REGION: _("région"),
        }[self.kind]

    @property
    def origin(self) -> tuple[float, float] | None:
        """Where distances are measured from: the commune, or the middle of a postal
        code's communes; None for larger places."""
        points = [
            (float(commune.latitude), float(commune.longitude))
            for commune in self.communes
            if commune.latitude is not None and commune.longitude is not None
        ]
        if self.kind not in (Kind.COMMUNE, Kind.POSTAL_CODE) or not points:
            return None
        return (
            sum(point[0] for point in points) / len(points),
            sum(point[1] for point in points) / len(points),
        )

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "code": self.code,
            "label": self.value,
            "value": self.value,
            "detail": self.detail,
        }


@dataclass
class PlaceMatch:
    """What a place field's text means: one `place`, or `choices` (ambiguous or partial
    text), or neither (nothing by that name). `also`: a place the same text may also
    name (a postal code that is also a commune's INSEE code), which the page mentions."""

    text: str
    place: Place | None = None
    choices: list[Place] = field(default_factory=list)
    also: list[Place] = field(default_factory=list)
    read_as: str = ""  # "postal_code", "insee_code", "name": how the text was read


def normalize_query(text: str) -> str:
    words = normalize(text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def clean_text(text) -> str:
    return " ".join(str(text or "").split())[:MAX_PLACE_LENGTH]


# --- The small lists: EPCI, départements, régions ----------------------------------


def _named_places() -> list[tuple[str, str, str, str, str]]:
    """(normalised name, kind, code, name, extra) of every EPCI (extra: its
    départements' codes), département (extra: its région's code) and région: about
    1,400 rows, read in two queries, cached under the data version."""

    def read():
        rows, regions = [], {}
        departements = Departement.objects.order_by("code").values_list(
            "code", "name", "region_id", "region__name"
        )
        for code, name, region, region_name in departements:
            rows.append((normalize(name), Kind.DEPARTEMENT, code, name, region))
            regions[region] = region_name
        rows += [(normalize(name), Kind.REGION, code, name, "") for code, name in regions.items()]
        epcis: dict[str, tuple[str, list[str]]] = {}
        # Unordered (sorting the join costs more than the query): sorted here.
        pairs = EPCI.objects.order_by().values_list("code", "name", "departements__code")
        for code, name, departement in pairs:
            epcis.setdefault(code, (name, []))[1].append(departement or "")
        rows += [
            (normalize(name), Kind.EPCI, code, name, " ".join(sorted(filter(None, codes))))
            for code, (name, codes) in sorted(epcis.items())
        ]
        return rows

    return versioned("named-places", read)


def _named_place(row) -> Place:
    _normalized, kind, code, name, extra = row
    if kind == Kind.DEPARTEMENT:
        return Place(kind, code, name, f"{name} ({code})", detail=_("département"))
    if kind == Kind.REGION:
        return Place(kind, code, name, name, detail=_("région"))
    detail = _("intercommunality (EPCI)")
    if extra:
        detail = f"{detail} · {', '.join(extra.split())}"
    return Place(kind, code, name, name, detail=detail)


def _matching_names(named, normalized: str, *, exact: bool) -> list[Place]:
    places = []
    for row in named:
        name = row[0]
        if name == normalized or (
            not exact and (name.startswith(normalized) or f" {normalized}" in name)
        ):
            places.append(_named_place(row))
    return places


# --- Communes -----------------------------------------------------------------------


def _commune_place(commune: Commune, *, detail: str = "") -> Place:
    departement = commune.departement_id
    postal = commune.postal_codes.split()
    if not detail:
        parts = [_("commune")]
        if commune.kind == Commune.Kind.ARRONDISSEMENT:
            parts = [_("municipal arrondissement")]
        if postal:
            parts.append(postal[0] if len(postal) == 1 else f"{postal[0]}…")
        if not commune.is_current:
            parts.append(_("former commune"))
        detail = " · ".join(parts)
    return Place(
        Kind.COMMUNE,
        commune.code,
        commune.name,
        f"{commune.name} ({departement})",
        detail=detail,
        communes=[commune],
        population=commune.population or 0,
    )


def _communes(*, with_epci: bool = True):
    """Communes with what a place needs: their parent, département and région codes
    (the territory filters), and their EPCI's name (a pole card sorted by distance
    names the place's EPCI). Without it for the autocomplete's prefix lookups, which
    read thousands of rows for a short prefix ("sa") before keeping thirty: the join
    would cost each keystroke more than the rest."""
    columns = [
        *_COMMUNE_COLUMNS,
        "is_current",
        "epci_id",
        "departement__region_id",
        "departement__code",
        "parent__code",
        "parent__epci_id",
        "parent__departement_id",
    ]
    related = ["parent", "departement"]
    if with_epci:
        columns.append("epci__name")
        related.append("epci")
    return Commune.objects.select_related(*related).only(*columns)


# A name typed without its article still finds "La Rochelle", "L'Île-Saint-Denis".
ARTICLES = ("l", "la", "le", "les")


def name_prefix(queryset, normalized: str):
    """Communes whose normalised name starts with `normalized` (or with it after an
    article), by index range scans: on PostgreSQL `LIKE 'x%'` uses the column's pattern
    index; SQLite's LIKE is case-insensitive and cannot use the index, so each prefix
    is written as a range there (the stored names are lower-case, compared byte by
    byte)."""
    prefixes = [normalized]
    if normalized.split(" ", 1)[0] not in ARTICLES:
        prefixes += [f"{article} {normalized}" for article in ARTICLES]
    condition = Q()
    for prefix in prefixes:
        if connection.vendor == "sqlite":
            condition |= Q(search_name__gte=prefix, search_name__lt=prefix + "\U0010ffff")
        else:
            condition |= Q(search_name__startswith=prefix)
    return queryset.filter(condition)


def _ordered_communes(communes: list[Commune], normalized: str) -> list[Commune]:
    """Exact names first, then by population; each city's arrondissements right after
    it (when the city is there)."""
    communes = sorted(
        communes, key=lambda c: (c.search_name != normalized, -(c.population or 0), c.name)
    )
    present = {commune.code for commune in communes}
    children: dict[str, list[Commune]] = {}
    for commune in communes:
        if commune.parent_id in present:
            children.setdefault(commune.parent_id, []).append(commune)
    ordered = []
    for commune in communes:
        if commune.parent_id in present:
            continue
        ordered.append(commune)
        ordered += sorted(children.get(commune.code, []), key=lambda c: c.code)
    return ordered


def _communes_by_name(normalized: str, *, limit: int) -> list[Commune]:
    exact_first = Case(When(search_name=normalized, then=Value(0)), default=Value(1))
    rows = (
        name_prefix(_communes(with_epci=False).filter(is_current=True), normalized)
        .annotate(exact=exact_first)
        .order_by("exact", "-population", "name", "code")[:limit]
    )
    communes = list(rows)
    for commune in communes:
        commune.search_name = normalize(commune.name)
    return _ordered_communes(communes, normalized)


def _postal_code_rows(prefix: str, *, limit: int = POSTAL_CODE_ROWS) -> dict[str, list[Commune]]:
    """Postal codes starting with `prefix` (digits), each with its communes (current
    first, by name)."""
    # Postal codes are digits: "60220" <= code < "60221" is the prefix, as an index
    # range scan on any database and collation (LIKE 'x%' may scan the whole index).
    upper = str(int(prefix) + 1).zfill(len(prefix))
    bounds = {"code__gte": prefix}
    if len(upper) == len(prefix):
        bounds["code__lt"] = upper
    # One postal code (a place resolved): its communes' EPCI too, as `_communes()`.
    return _postal_code_communes(bounds, limit=limit, with_epci=len(prefix) == 5)


def postal_code_communes(codes: list[str]) -> dict[str, list[Commune]]:
    """The communes of each of the postal codes `codes` (five digits) that exists, as
    the place field reads a postal code (`resolve`): current communes first, each with
    its parent, EPCI and département. For the free-text search too (poles.querysets),
    which reads a postal code typed there as its communes. One indexed query."""
    return _postal_code_communes(
        {"code__in": codes}, limit=POSTAL_CODE_ROWS * len(codes), with_epci=True
    )


def _postal_code_communes(lookups: dict, *, limit: int, with_epci: bool):
    related = ["commune__parent", "commune__departement"]
    if with_epci:
        related.append("commune__epci")
    rows = (
        PostalCode.objects.filter(**lookups)
        .select_related(*related)
        .order_by("code", "-commune__is_current", "commune__name", "commune__code")[:limit]
    )
    codes: dict[str, list[Commune]] = {}
    for row in rows:
        codes.setdefault(row.code, []).append(row.commune)
    # Paris, Lyon and Marseille hold each of their arrondissements' postal codes:
    # 75001 is the 1st arrondissement, not the whole city with it (whose poles a place
    # that is the city would all find: `PoleQuerySet.covering_communes`).
    for code, communes in codes.items():
        cities = {commune.parent_id for commune in communes if commune.parent_id}
        codes[code] = [commune for commune in communes if commune.code not in cities]
    return codes


def _postal_code_place(code: str, communes: list[Commune]) -> Place:
    names = ", ".join(f"{commune.name} ({commune.departement_id})" for commune in communes[:4])
    if len(communes) > 4:
        names += ", …"
    return Place(
        Kind.POSTAL_CODE,
        code,
        code,
        code,
        detail=_("postal code") + f" · {names}",
        communes=communes,
        population=sum(commune.population or 0 for commune in communes),
    )


# A position's commune is looked for within this many degrees of latitude of it (about
# 33 km; as many kilometres of longitude): wider than any metropolitan commune is
# from its centre, narrow enough for an index range of a few hundred rows (Paris).
NEAREST_COMMUNE_SPAN = 0.3


def nearest_commune(latitude: float, longitude: float) -> Commune | None:
    """The current commune whose centre is nearest to the position, as the crow flies
    (an equirectangular approximation, exact enough at this range), or None when no
    commune's centre is within `NEAREST_COMMUNE_SPAN` (at sea, abroad).

    One query: a box around the position on the indexed (latitude, longitude), its
    communes ordered by their distance in the database: never every commune read.
    """
    scale = max(cos(radians(latitude)), 0.01)  # a degree of longitude, in latitude's
    lat_span, lng_span = NEAREST_COMMUNE_SPAN, min(NEAREST_COMMUNE_SPAN / scale, 180.0)
    lat = Cast("latitude", FloatField())
    lng = Cast("longitude", FloatField())
    gap = Power(lat - Value(latitude), 2) + Power((lng - Value(longitude)) * Value(scale), 2)
    return (
        _communes()
        .filter(
            is_current=True,
            latitude__gte=_coordinate(latitude - lat_span),
            latitude__lte=_coordinate(latitude + lat_span),
            longitude__gte=_coordinate(longitude - lng_span),
            longitude__lte=_coordinate(longitude + lng_span),
        )
        .annotate(gap=gap)
        .order_by("gap", "code")
        .first()
    )


def _coordinate(value: float) -> Decimal:
    """A bound of the box as the column stores it (5 decimals, within its 8 digits)."""
    return Decimal(f"{max(min(value, 999.0), -999.0):.5f}")


def commune_by_code(code: str) -> Commune | None:
    return _communes().filter(code=code).first()


def commune_code_match(code: str) -> PlaceMatch | None:
    """The commune of INSEE code `code` (the `commune` parameter), or None; when that
    code is also a postal code of other communes, `also` holds the postal code, for the
    page to say so. One query: whether it is a postal code too is a subquery."""
    other_communes = PostalCode.objects.filter(code=OuterRef("code")).exclude(
        commune_id=OuterRef("code")
    )
    commune = (
        _communes().filter(code=code).annotate(also_postal_code=Exists(other_communes)).first()
    )
    if commune is None:
        return None
    match = PlaceMatch(commune.code, place=_commune_place(commune), read_as="insee_code")
    if commune.also_postal_code and code not in commune.postal_codes.split():
        match.also = [Place(Kind.POSTAL_CODE, code, code, code, detail=_("postal code"))]
    return match


def epci_departements(code: str) -> list[tuple[str, str]]:
    """(département, région) codes of the EPCI, from the cached list."""
    named = _named_places()
    regions = {row[2]: row[4] for row in named if row[1] == Kind.DEPARTEMENT}
    for row in named:
        if row[1] == Kind.EPCI and row[2] == code:
            return [(dep, regions.get(dep, "")) for dep in row[4].split()]
    return []


# --- Suggestions --------------------------------------------------------------------


def suggest(text, *, limit: int = SUGGESTION_LIMIT, named=None) -> list[Place]:
    """The places the autocomplete offers for `text`, at most `limit`."""
    text = clean_text(text)
    if not text:
        return []
    if _POSTAL_PREFIX.match(text) or re.match(r"^2[AB][0-9]{0,3}$", text.upper()):
        return _code_suggestions(text, named or _named_places(), limit=limit)
    normalized = normalize_query(text)
    if len(normalized) < 2:
        return []
    if named is None:
        named = _named_places()
    matching = _matching_names(named, normalized, exact=False)
    exact = [place for place in matching if normalize(place.name) == normalized]
    larger = [p for p in matching if p not in exact and p.kind in (Kind.DEPARTEMENT, Kind.REGION)]
    epcis = [p for p in matching if p not in exact and p.kind == Kind.EPCI]
    communes = [
        _commune_place(commune)
        for commune in _communes_by_name(normalized, limit=COMMUNE_CANDIDATES)
    ]
    exact_communes = [p for p in communes if normalize(p.name) == normalized]
    other_communes = [p for p in communes if p not in exact_communes]
    places = _without_homonym_containers(
        named, exact_communes + exact + larger[:3] + other_communes + epcis
    )
    # Keep a few EPCI in view when communes would fill the list.
    if epcis and len(places) > limit:
        head = [p for p in places if p.kind != Kind.EPCI][: limit - min(2, len(epcis))]
        places = head + epcis[: limit - len(head)]
    return _unique(places)[:limit]


def _code_suggestions(text: str, named, *, limit: int) -> list[Place]:
    """For digits (or 2A, 2B…): the département, the postal codes that start so (one
    code: it and its communes), and the commune whose INSEE code it is."""
    upper = text.upper()
    places: list[Place] = []
    if DEPARTEMENT_CODE_RE.match(upper):
        places += [
            _named_place(row) for row in named if row[1] == Kind.DEPARTEMENT and row[2] == upper
        ]
    by_code = []
    if _COMMUNE_CODE.match(upper):
        commune = commune_by_code(upper)
        if commune is not None:
            by_code.append(
                _commune_place(commune, detail=_("INSEE code %(code)s") % {"code": upper})
            )
    if text.isdigit():
        postal = _postal_code_rows(text)
        if len(postal) == 1:
            # One postal code: the code itself, then each of its communes (and the
            # commune whose INSEE code it also is, after them).
            code, communes = next(iter(postal.items()))
            places.append(_postal_code_place(code, communes))
            places += [_commune_place(commune) for commune in communes[: limit - 2]]
        else:
            places += [_postal_code_place(code, communes) for code, communes in postal.items()]
    places = places[: limit - len(by_code)] + by_code
    return _unique(places)[:limit]


def _unique(places: list[Place]) -> list[Place]:
    seen = set()
    unique = []
    for place in places:
        key = (place.kind, place.code)
        if key not in seen:
            seen.add(key)
            unique.append(place)
    return unique


# --- Resolution ---------------------------------------------------------------------


def resolve(text, *, communes_only: bool = False) -> PlaceMatch:
    """What the place field's `text` names (see the module docstring).

    - "60220": a postal code (its communes), else an INSEE code; a text that is both
      names the postal code, with the commune in `also`;
    - "60", "2A", "974": a département;
    - "Beauvais (60)", "Oise (60)", "Beauvais (60000)": a commune of that département
      (or postal code), else the département;
    - a name: the commune, EPCI, département or région of exactly that name
      (accent- and case-insensitive), or the choices when several have it; failing an
      exact name, the places whose name starts so, if any.

    `communes_only`: communes and postal codes only (the `commune` parameter).
    """
    text = clean_text(text)
    match = PlaceMatch(text)
    if not text:
        return match
    upper = text.upper()
    if text.isdigit() and len(text) == 5:
        return _resolve_five_digits(match, text)
    if _COMMUNE_CODE.match(upper):
        commune = commune_by_code(upper)
        match.read_as = "insee_code"
        match.place = _commune_place(commune) if commune else None
        return match
    named = _named_places()
    if DEPARTEMENT_CODE_RE.match(upper) and not communes_only:
        match.read_as = "departement_code"
        match.place = next(
            (_named_place(row) for row in named if row[1] == Kind.DEPARTEMENT and row[2] == upper),
            None,
        )
        return match
    qualified = _QUALIFIED.match(text)
    if qualified:
        place = _resolve_qualified(named, qualified["name"], qualified["qualifier"].upper())
        if place is not None and (not communes_only or place.kind == Kind.COMMUNE):
            match.read_as = "name"
            match.place = place
            return match
        text = qualified["name"]
    return _resolve_name(named, match, text, communes_only=communes_only)


def _resolve_five_digits(match: PlaceMatch, code: str) -> PlaceMatch:
    postal = postal_code_communes([code]).get(code, [])
    commune = commune_by_code(code)
    if postal:
        match.read_as = "postal_code"
        match.place = _postal_code_place(code, postal)
        if commune is not None and commune.code not in {c.code for c in postal}:
            match.also = [_commune_place(commune)]
    elif commune is not None:
        match.read_as = "insee_code"
        match.place = _commune_place(commune)
    return match


def _resolve_qualified(named, name: str, qualifier: str) -> Place | None:
    normalized = normalize_query(name)
    communes = _communes().filter(search_name=normalize(name))
    if len(qualifier) == 5:
        communes = communes.filter(postal_code_rows__code=qualifier)
    else:
        communes = communes.filter(departement_id=qualifier)
    found = list(communes.order_by("-is_current", "-population", "code")[:2])
    if len(found) == 1 or (found and found[0].is_current and not found[1].is_current):
        return _commune_place(found[0])
    for row in named:
        if row[1] == Kind.DEPARTEMENT and row[2] == qualifier and row[0] == normalized:
            return _named_place(row)
    return None


def _resolve_name(named, match: PlaceMatch, text: str, *, communes_only: bool) -> PlaceMatch:
    match.read_as = "name"
    normalized = normalize_query(text)
    if len(normalized) < 2:
        return match
    exact_communes = [
        _commune_place(commune)
        for commune in _ordered_communes(
            list(
                _communes()
                .filter(search_name=normalized, is_current=True)
                .order_by("-population", "code")[:CHOICE_LIMIT]
            ),
            normalized,
        )
    ]
    exact = exact_communes
    if not communes_only:
        exact = exact + _matching_names(named, normalized, exact=True)
        exact = _without_homonym_containers(named, exact)
    if len(exact) == 1:
        match.place = exact[0]
        return match
    if exact:
        match.choices = exact[:CHOICE_LIMIT]
        return match
    suggestions = suggest(text, limit=CHOICE_LIMIT, named=named)
    if communes_only:
        suggestions = [p for p in suggestions if p.kind in (Kind.COMMUNE, Kind.POSTAL_CODE)]
    if len(suggestions) == 1:
        match.place = suggestions[0]
    else:
        match.choices = suggestions
    return match


def _without_homonym_containers(named, places: list[Place]) -> list[Place]:
    """Paris the commune and Paris the département, La Réunion the département and the
    région: one place each time, the smaller (it covers the same ground, and both
    would have the same value)."""
    regions_of = {row[2]: row[4] for row in named if row[1] == Kind.DEPARTEMENT}
    communes = {
        (normalize(place.name), commune.departement_id)
        for place in places
        for commune in place.communes
        if place.kind == Kind.COMMUNE
    }
    departements = {
        (normalize(place.name), regions_of.get(place.code))
        for place in places
        if place.kind == Kind.DEPARTEMENT
    }
    return [
        place
        for place in places
        if not (place.kind == Kind.DEPARTEMENT and (normalize(place.name), place.code) in communes)
        and not (place.kind == Kind.REGION and (normalize(place.name), place.code) in departements)
    ]
