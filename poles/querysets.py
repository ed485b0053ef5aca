import re
from typing import NamedTuple

from django.apps import apps
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, models
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ASin, Cast, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt

from caching import digest, versioned
from territories import places
from territories.models import Commune
from territories.services import ARRONDISSEMENT_PARENTS
from territories.text import normalize

CITIES_WITH_ARRONDISSEMENTS = frozenset(ARRONDISSEMENT_PARENTS.values())

# The mean radius of the Earth, for distances "as the crow flies".
EARTH_RADIUS_KM = 6371.0


def _model(name: str):
    """A model of this app, from the app registry: the models import these querysets
    (their managers), so these cannot import the models."""
    return apps.get_model("poles", name)


def membership_count(field: str):
    """The number of memberships whose `field` ("pole" or "structure") is the outer row,
    as a correlated subquery (0 when none): computed for the rows a page shows only,
    where a GROUP BY over the memberships would aggregate every row first."""
    Membership = _model("Membership")

    counts = (
        Membership.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts), 0)


# The PostgreSQL text search configuration created by migration poles 0002: the
# French stemmer behind unaccent, so that the query is stemmed like the stored text.
SEARCH_CONFIG = "french_unaccent"


# Columns only the pole's page (LONG_TEXTS) or the search (SEARCH_COLUMNS) reads.
LONG_TEXTS = ("description", "development_axes", "source")
SEARCH_COLUMNS = ("search_text", "search_vector", "rank_vector")


def _territory_codes(communes) -> tuple[set, set, set, set, set]:
    """The codes of `communes` (Commune with parent and département), of their cities
    (Paris, Lyon, Marseille for an arrondissement; a city counts with its
    arrondissements), of the cities among them, of their EPCIs, départements and
    régions."""
    codes, cities, epcis, departements, regions = set(), set(), set(), set(), set()
    for commune in communes:
        city = commune.parent or commune
        codes |= {commune.code, city.code}
        epcis |= {code for code in (commune.epci_id, city.epci_id) if code}
        departements.add(commune.departement_id)
        regions.add(commune.departement.region_id)
        # Only the three cities have arrondissements: for any other commune, looking
        # for poles seated in its arrondissements joined every pole with the 35,000
        # communes (8 of the 13 ms of `q=93200` at 2,000 poles).
        if commune.parent_id is None and commune.code in CITIES_WITH_ARRONDISSEMENTS:
            cities.add(commune.code)
    return codes, cities, epcis, departements, regions


# `territory_rank` (`PoleQuerySet.with_territory_rank`): a pole with a position, then
# the smallest of the place's territories where the pole is present.
TERRITORY_LOCATED = 0
TERRITORY_COMMUNE = 1
TERRITORY_EPCI = 2
TERRITORY_DEPARTEMENT = 3
TERRITORY_REGION = 4
TERRITORY_ELSEWHERE = 5


class PoleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def for_list(self):
        """What a list of poles shows, in a constant number of queries, without the long
        texts a list never shows (the search columns alone weigh kilobytes per pole)."""
        Sector = _model("Sector")

        return (
            self.select_related("seat_commune__departement__region", "main_sector", "legal_form")
            .prefetch_related(Prefetch("sectors", queryset=Sector.objects.order_by("position")))
            .defer(*LONG_TEXTS, *SEARCH_COLUMNS)
        )

    def for_page(self):
        """What a pole's own page shows of the pole itself, long texts included, in one
        query; its lists come from `selectors.pole_lists()`. Not `for_list()` undone
        (its sectors' prefetch, its deferred texts): each step clones the query, a cost
        every visit of a pole's page would pay."""
        return self.select_related(
            "seat_commune__departement__region", "main_sector", "legal_form"
        ).defer(*SEARCH_COLUMNS)

    def with_latest_etp(self):
        """Annotate `latest_etp` and `latest_etp_year`: the pole's most recent ETP figure."""
        KeyFigure = _model("KeyFigure")

        latest = KeyFigure.objects.filter(pole=OuterRef("pk"), etp__isnull=False).order_by("-year")
        return self.annotate(
            latest_etp=Subquery(latest.values("etp")[:1]),
            latest_etp_year=Subquery(latest.values("year")[:1]),
        )

    # Territory filters. A pole belongs to a territory when its seat is there or when
    # its territory of action reaches it. Each link is an EXISTS (or an IN) on a
    # many-to-many table (indexed by pole and by target), so no join multiplies the
    # rows and no DISTINCT is needed; the seat is an IN over the territory's communes
    # (an index scan), rather than a join of every pole with the 35,000 communes.

    def linked_through(self, field: str, **lookups) -> Exists:
        through = self.model._meta.get_field(field).remote_field.through
        return Exists(through.objects.filter(pole_id=OuterRef("pk"), **lookups))

    def linked_ids(self, field: str, **lookups) -> Q:
        """`linked_through` as `id IN (SELECT pole_id ...)`, uncorrelated: for the ORs of
        the territory filters, where PostgreSQL plans each correlated EXISTS twice (per
        row and hashed) and planning cost more than running the query."""
        through = self.model._meta.get_field(field).remote_field.through
        return Q(pk__in=through.objects.filter(**lookups).values("pole_id"))

    def in_region(self, code: str):
        """Poles present in the région: seated there, or acting anywhere in it
        (PoleCoverage)."""
        return self.filter(pk__in=self._covering(region_id=code))

    def in_departement(self, code: str):
        """Poles present in the département: seated there, or acting in it, including
        the poles acting in its whole région (PoleCoverage)."""
        return self.filter(pk__in=self._covering(departement_id=code))

    @staticmethod
    def _covering(**lookups):
        PoleCoverage = _model("PoleCoverage")

        return PoleCoverage.objects.filter(**lookups).values("pole_id")

    def covering_commune(self, commune):
        """Poles whose territory of action covers `commune` (a Commune with its parent).

        Paris, Lyon and Marseille: a pole acting in the city (13055) covers each of its
        arrondissements (13201), and a visitor asking for the city also finds the poles
        of its arrondissements; an arrondissement does not find its neighbours' poles.
        """
        return self.filter(self.covering_communes_q([commune]))

    def covering_communes(self, communes):
        """Poles whose territory covers any of `communes` (a postal code's)."""
        return self.filter(self.covering_communes_q(communes))

    def covering_communes_q(self, communes) -> Q:
        codes, cities, epcis, departements, regions = _territory_codes(communes)
        covering = (
            Q(seat_commune_id__in=codes)
            | self.linked_through("territory_communes", commune_id__in=codes)
            | self.linked_through("territory_epcis", epci_id__in=epcis)
            | self.linked_through("territory_departements", departement_id__in=departements)
            | self.linked_through("territory_regions", region_id__in=regions)
        )
        if cities:
            covering |= Q(seat_commune__parent_id__in=cities) | self.linked_through(
                "territory_communes", commune__parent_id__in=cities
            )
        return covering

    def covering_epci(self, code: str, departements: list[tuple[str, str]]):
        """Poles present in the EPCI `code`: seated in one of its communes, acting on it,
        on one of its communes, or on a whole département or région it lies in
        (`departements`: its (département, région) codes)."""
        return self.filter(
            Q(seat_commune_id__in=Commune.objects.filter(epci_id=code).values("code"))
            | self.linked_through("territory_epcis", epci_id=code)
            | self.linked_through("territory_communes", commune__epci_id=code)
            | self.linked_through(
                "territory_departements", departement_id__in=[dep for dep, _r in departements]
            )
            | self.linked_through(
                "territory_regions", region_id__in=[region for _d, region in departements]
            )
        )

    def with_distance(self, latitude: float, longitude: float):
        """Annotate `distance_km`: the great-circle distance (haversine) from the point to
        the pole's seat, computed by the database (SQLite's and PostgreSQL's math
        functions); and `distance_from_commune`: whether it was measured from the seat
        commune's centre, for a pole without a position of its own (False when measured
        from its own, None when there is no distance). Both are None for a pole with
        neither position: `with_territory_rank()` orders those.

        The coordinates are taken as pairs, the pole's or else its commune's, never a
        latitude of one with the longitude of the other."""
        own = Q(latitude__isnull=False, longitude__isnull=False)
        commune = Q(seat_commune__latitude__isnull=False, seat_commune__longitude__isnull=False)

        def coordinate(name):
            return Cast(
                Case(When(own, then=F(name)), default=F(f"seat_commune__{name}")), FloatField()
            )

        origin_lat, origin_lng = Value(float(latitude)), Value(float(longitude))
        lat, lng = Radians(coordinate("latitude")), Radians(coordinate("longitude"))
        half_chord = Power(Sin((lat - Radians(origin_lat)) / 2), 2) + Cos(lat) * Cos(
            Radians(origin_lat)
        ) * Power(Sin((lng - Radians(origin_lng)) / 2), 2)
        # Rounding can push the chord a hair past 1, out of ASIN's domain. The Case
        # keeps NULL for a pole without a position: PostgreSQL's LEAST skips NULLs.
        distance = Value(2 * EARTH_RADIUS_KM) * ASin(
            Sqrt(Least(Value(1.0), half_chord, output_field=FloatField()))
        )
        return self.annotate(
            distance_km=Case(
                When(own | commune, then=distance), default=Value(None), output_field=FloatField()
            ),
            distance_from_commune=Case(
                When(own, then=Value(False)),
                When(commune, then=Value(True)),
                default=Value(None),
                output_field=models.BooleanField(),
            ),
        )

    def with_territory_rank(self, communes):
        """Annotate `territory_rank`, which orders the poles that have no distance from
        a place (`with_distance()`): how close their territory comes to `communes` (the
        commune or postal code chosen, or the commune nearest to a position).

        The rank is the smallest of the place's territories (its commune, its EPCI, its
        département, its région) in which the pole's seat or part of its territory of
        action lies: `TERRITORY_COMMUNE` for a pole seated or acting in the commune,
        `TERRITORY_EPCI` for one seated in the EPCI or acting on it or on one of its
        communes, `TERRITORY_DEPARTEMENT` for one seated in the département or acting on
        it or on an EPCI or a commune there, `TERRITORY_REGION` for one acting on the
        whole région or present anywhere in it; `TERRITORY_ELSEWHERE` otherwise. So a
        pole acting on a whole région ranks after one acting on the département. A pole
        with a position ranks `TERRITORY_LOCATED`, and its territory is not looked at:
        each When is an EXISTS that the database evaluates for the poles the earlier
        ones left only."""
        codes, cities, epcis, departements, regions = _territory_codes(communes)
        located = Q(latitude__isnull=False, longitude__isnull=False) | Q(
            seat_commune__latitude__isnull=False, seat_commune__longitude__isnull=False
        )
        ranks = [When(located, then=Value(TERRITORY_LOCATED))]
        if codes:
            in_commune = Q(seat_commune_id__in=codes) | self.linked_through(
                "territory_communes", commune_id__in=codes
            )
            if cities:
                in_commune |= Q(seat_commune__parent_id__in=cities) | self.linked_through(
                    "territory_communes", commune__parent_id__in=cities
                )
            ranks.append(When(in_commune, then=Value(TERRITORY_COMMUNE)))
        if epcis:
            in_epci = (
                Q(seat_commune__epci_id__in=epcis)
                | self.linked_through("territory_epcis", epci_id__in=epcis)
                | self.linked_through("territory_communes", commune__epci_id__in=epcis)
            )
            ranks.append(When(in_epci, then=Value(TERRITORY_EPCI)))
        if departements:
            in_departement = (
                Q(seat_commune__departement_id__in=departements)
                | self.linked_through("territory_departements", departement_id__in=departements)
                | self.linked_through("territory_epcis", epci__departements__in=departements)
                | self.linked_through(
                    "territory_communes", commune__departement_id__in=departements
                )
            )
            ranks.append(When(in_departement, then=Value(TERRITORY_DEPARTEMENT)))
        if regions:
            # Anywhere in the région: PoleCoverage holds each département a pole is
            # present in, with its région.
            ranks.append(
                When(pk__in=self._covering(region_id__in=regions), then=Value(TERRITORY_REGION))
            )
        return self.annotate(
            territory_rank=Case(
                *ranks,
                default=Value(TERRITORY_ELSEWHERE),
                output_field=models.PositiveSmallIntegerField(),
            )
        )

    def search(self, text: str):
        """Poles matching a visitor's free text, accent- and case-insensitive.

        On PostgreSQL: French full-text search (stemmed, unaccented, each word also as a
        prefix) over the stored, GIN-indexed `search_vector`; a word that is in no
        pole's text is widened to its nearest lexicon words (trigram similarity on
        SearchWord: typo tolerance). Every word must match. The matching poles, and only
        they, are ranked (`search_rank`, the name weighing most) and ordered by it.
        Elsewhere (SQLite): every word must appear in `search_text`. Either way the
        stored columns hold normalised text (see poles.services), so the query is
        normalised the same way.

        A commune named in the text ("Beauvais", "recyclerie saint denis") also finds
        the poles whose territory covers it (`covering_communes`), the text's other
        words having to match as above; between poles of the same rank, those seated in
        the commune come first. A postal code ("93200", "recyclerie 93200") names its
        communes the same way, except that the poles must be there: the digits are no
        word of any pole's text (`named_place`).

        The words are the runs of ASCII letters and digits of the normalised text, on
        every database. A text of spaces and separators only filters nothing; a text
        with other characters but no word (`€`, `%_%`, `—`, `١`) matches no pole: the
        same answer on SQLite and PostgreSQL, for the directory and the observatory.
        """
        query = normalize(text)
        if not query:
            return self
        sequence = _TSQUERY_WORD.findall(query)
        words = list(dict.fromkeys(sequence))[:MAX_SEARCH_WORDS]
        if not words:
            return self.none()
        postgresql = connection.vendor == "postgresql"
        place, corrections = search_terms(words, postal_code_words(sequence, words), postgresql)
        communes, other_words = place.communes, place.other_words
        # The words the whole text must match, as an alternative to the place: none
        # when the place is a postal code.
        text_words = [] if place.postal_code else words

        def matching(these_words):
            if postgresql:
                return Q(search_vector=self._ts_query(these_words, corrections))
            return self._words_match(these_words)

        found = Q()
        if text_words:
            found = matching(text_words)
        if communes:
            covering = self.covering_communes_q(communes)
            found |= (covering & matching(other_words)) if other_words else covering
        if not postgresql:
            return self.filter(found)
        ranked_words = text_words or other_words
        rank = (
            SearchRank(F("rank_vector"), self._ts_query(ranked_words, corrections))
            if ranked_words
            # A postal code alone: no word to rank by (the poles seated there first).
            else Value(0.0, output_field=FloatField())
        )
        ranked = self.filter(found).annotate(search_rank=rank)
        if not communes:
            return ranked.order_by(F("search_rank").desc(), "sort_name", "pk")
        # The rank reads the name, summary and sectors only: a pole seated in the named
        # commune would tie at 0 with every pole acting on its whole région. Whether the
        # seat is there is read from the row (whether the whole text matches would read
        # each match's search_vector again: +25 ms for "saint denis" at 8,000 poles).
        codes, cities, *_territories = _territory_codes(communes)
        seated = Q(seat_commune_id__in=codes)
        if cities:
            seated |= Q(seat_commune__parent_id__in=cities)
        return ranked.annotate(
            seated_there=ExpressionWrapper(seated, output_field=models.BooleanField())
        ).order_by(
            # NULL (no seat; no vector yet) would come first in a descending order.
            F("search_rank").desc(nulls_last=True),
            F("seated_there").desc(nulls_last=True),
            "sort_name",
            "pk",
        )

    @staticmethod
    def _words_match(words: list[str]) -> Q:
        every_word = Q()
        for word in words:
            every_word &= Q(search_text__contains=word)
        return every_word

    @staticmethod
    def _ts_query(words: list[str], corrections: dict[str, list[str]]) -> SearchQuery:
        terms = []
        for word in words:
            alternatives = [f"{word}:*" if len(word) >= PREFIX_MIN_LENGTH else word]
            alternatives += corrections.get(word, [])
            terms.append("(" + " | ".join(alternatives) + ")")
        # Only [a-z0-9] words reach the raw tsquery syntax: no operator can be injected.
        return SearchQueryOnce(" & ".join(terms), config=SEARCH_CONFIG, search_type="raw")


class SearchQueryOnce(SearchQuery):
    """A `SearchQuery` that PostgreSQL parses once per execution of the query.

    Its text is a parameter (server-side binding, settings/base.py), and in the generic
    plan PostgreSQL keeps for a prepared statement (from its sixth execution on)
    `to_tsquery(config, $1)` is no constant: `ts_rank(rank_vector, to_tsquery(…))`
    parsed the query again for every match (2,077 times, 14.8 ms instead of 7.9 at
    8,000 poles). As an uncorrelated scalar subquery it is an InitPlan, evaluated once;
    the GIN index still serves `search_vector @@ $0`."""

    def as_sql(self, compiler, connection, function=None, template=None):
        sql, params = super().as_sql(compiler, connection, function, template)
        return f"(SELECT {sql})", params


# A commune named in a search counts from this many characters; a shorter name (Bio,
# Eu, Gap) only for a commune of this many inhabitants, since short names are often
# ordinary words ("bio").
COMMUNE_NAME_MIN_LENGTH = 3
SHORT_COMMUNE_NAME_LENGTH = 5
SHORT_COMMUNE_MIN_POPULATION = 2000
MAX_NAMED_COMMUNES = 20


class NamedPlace(NamedTuple):
    """What a search text names (`named_place`): `communes` (with parent and
    département; none when it names no place), the text's `other_words`, and whether
    the place is a `postal_code` (the poles must be there: its digits are no word of
    any pole's text) rather than a commune's name (the poles whose text has the name
    are found too)."""

    communes: list
    other_words: list[str]
    postal_code: str = ""


def search_terms(
    words: list[str], postal_codes: list[str], postgresql: bool
) -> tuple[NamedPlace, dict[str, list[str]]]:
    """What a search's words name (`named_place`) and, on PostgreSQL, the typo
    corrections of the words the text must match (`typo_corrections`): two lookups, in
    the territories and in the search lexicon, that depend on the words and the data
    only. Kept under the data version: the same words searched again (a shared link,
    the next page of results, the map's feed of the same search) cost no query. Each
    query of a page waits for a turn on the CPU under load: at national scale the two
    took about a tenth of a search's time."""

    def look_up():
        place = named_place(words, postal_codes)
        text_words = [] if place.postal_code else words
        corrections = typo_corrections(text_words or place.other_words) if postgresql else {}
        return place, corrections

    return versioned(f"search-terms:{digest(words, postal_codes, postgresql)}", look_up)


def named_place(words: list[str], postal_codes: list[str]) -> NamedPlace:
    """The place the search `words` name: the communes of the first of `postal_codes`
    (`postal_code_words`) that is a postal code, as the place field reads one (one
    indexed query), narrowed to those the text also names ("saint denis 93200": the
    Saint-Denis of 93200, not those of the 974 or the 11); else the communes a run of
    words names (`named_communes`)."""
    if postal_codes:
        by_code = places.postal_code_communes(postal_codes)
        code = next((code for code in postal_codes if by_code.get(code)), "")
        if code:
            communes, other_words = _named_among(
                by_code[code], [word for word in words if word != code]
            )
            return NamedPlace(communes, other_words, code)
    return NamedPlace(*named_communes(words))


def _named_among(communes: list, words: list[str]) -> tuple[list, list[str]]:
    """`communes` narrowed to those whose name (or whose city's: "paris 75001") is the
    longest run of consecutive `words` that is one, and the other words; all of them
    and every word when no run is."""
    for length in range(len(words), 0, -1):
        for start in range(len(words) - length + 1):
            run = " ".join(words[start : start + length])
            named = [
                commune
                for commune in communes
                if run in (commune.search_name, commune.parent and commune.parent.search_name)
            ]
            if named:
                return named, words[:start] + words[start + length :]
    return communes, words


def postal_code_words(sequence: list[str], words: list[str]) -> list[str]:
    """The search `words` that may be postal codes, at most MAX_POSTAL_CODE_WORDS, in
    the order of the text's `sequence` of words: five digits, not right after another
    number (the last group of a SIRET written "732 829 320 00074" or "732829320 93200"
    is part of a number, not a place)."""
    candidates = []
    for index, word in enumerate(sequence):
        if (
            _POSTAL_CODE_WORD.fullmatch(word)
            and not (index and sequence[index - 1].isdigit())
            and word in words
            and word not in candidates
        ):
            candidates.append(word)
    return candidates[:MAX_POSTAL_CODE_WORDS]


def named_communes(words: list[str]) -> tuple[list, list[str]]:
    """The communes (current, with parent and département) named by the longest run of
    consecutive `words` that is a commune's whole normalised name, and the other words:
    one indexed query of names (`search_name IN (...)`), and one reading the communes
    when the text names one."""
    runs = {}
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            run = " ".join(words[start:end])
            if len(run) >= COMMUNE_NAME_MIN_LENGTH:
                runs[run] = (start, end)
    if not runs:
        return [], words
    # Most texts name no commune: the names are looked up as plain values first (building
    # communes with their parent and département cost a millisecond a search).
    found = [
        (name, code)
        for name, population, code in _commune_names(list(runs))
        if len(name) >= SHORT_COMMUNE_NAME_LENGTH
        or (population or 0) >= SHORT_COMMUNE_MIN_POPULATION
    ]
    if not found:
        return [], words
    # The longest run; between runs of as many words, the most populous commune's name.
    longest = max((name for name, _code in found), key=lambda run: len(run.split()))
    start, end = runs[longest]
    codes = [code for name, code in found if name == longest][:MAX_NAMED_COMMUNES]
    named = Commune.objects.filter(code__in=codes).select_related("parent", "departement")
    return list(named.order_by("-population", "code")), words[:start] + words[end:]


def _commune_names(names: list[str]) -> list[tuple[str, int | None, str]]:
    """(search name, population, code) of the current communes named `names`, the most
    populous first: the ORM's `Commune.objects.current().filter(search_name__in=names)
    .order_by("-population", "code")`, written by hand since compiling it cost more
    than running it, on every search (tests/poles/test_search.py holds them equal)."""
    table = connection.ops.quote_name(Commune._meta.db_table)
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT search_name, population, code FROM {table} "  # noqa: S608 - our table, placeholders
            f"WHERE is_current AND search_name IN ({placeholders}) "
            "ORDER BY population DESC, code LIMIT %s",
            [*names, MAX_NAMED_COMMUNES * 4],
        )
        return cursor.fetchall()


# PostgreSQL search: the words a tsquery is built from, at most this many of them.
_TSQUERY_WORD = re.compile(r"[a-z0-9]+")
MAX_SEARCH_WORDS = 12
# Postal codes typed in a search: five digits (Corsica's are 20xxx, INSEE's 2A004 is
# no postal code), at most this many looked up.
_POSTAL_CODE_WORD = re.compile(r"[0-9]{5}")
MAX_POSTAL_CODE_WORDS = 3
# Words this long also match as prefixes ("ressourc" finds "ressourcerie").
PREFIX_MIN_LENGTH = 3
# Words this long and in no pole's text get corrected to their nearest lexicon words.
TYPO_MIN_LENGTH = 4
TYPO_ALTERNATIVES = 3


def typo_corrections(words: list[str]) -> dict[str, list[str]]:
    """For each word (PostgreSQL, normalised) absent from the search lexicon, its nearest
    lexicon words by trigram similarity, in one query on the lexicon's trigram index."""
    candidates = [word for word in words if len(word) >= TYPO_MIN_LENGTH]
    if not candidates:
        return {}
    SearchWord = _model("SearchWord")

    lexicon = connection.ops.quote_name(SearchWord._meta.db_table)
    with connection.cursor() as cursor:
        # The table name is the model's; the typed words are parameters.
        cursor.execute(
            f"""
            SELECT typed.word, near.word
            FROM unnest(%s::text[]) AS typed(word)
            CROSS JOIN LATERAL (
                SELECT lexicon.word FROM {lexicon} AS lexicon
                WHERE lexicon.word %% typed.word
                ORDER BY lexicon.word <-> typed.word, lexicon.word
                LIMIT %s
            ) AS near
            -- A word the lexicon holds needs no correction: no similarity search for it
            -- (most searches; 0.03 instead of 1.8 ms for two words at national scale).
            WHERE NOT EXISTS (SELECT 1 FROM {lexicon} AS known WHERE known.word = typed.word)
            """,  # noqa: S608
            [candidates, TYPO_ALTERNATIVES],
        )
        rows = cursor.fetchall()
    nearest: dict[str, list[str]] = {}
    for typed, near in rows:
        nearest.setdefault(typed, []).append(near)
    return {
        typed: [word for word in near if _TSQUERY_WORD.fullmatch(word)]
        for typed, near in nearest.items()
    }
