from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery

from territories.text import normalize

# The PostgreSQL text search configuration created by migration poles 0002: the
# French stemmer behind unaccent, so that the query is stemmed like the stored text.
SEARCH_CONFIG = "french_unaccent"


class PoleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def for_list(self):
        """What a list of poles shows, in a constant number of queries."""
        from .models import Sector

        return self.select_related(
            "seat_commune__departement__region", "main_sector", "legal_form"
        ).prefetch_related(Prefetch("sectors", queryset=Sector.objects.order_by("position")))

    def with_latest_etp(self):
        """Annotate `latest_etp` and `latest_etp_year`: the pole's most recent ETP figure."""
        from .models import KeyFigure

        latest = KeyFigure.objects.filter(pole=OuterRef("pk"), etp__isnull=False).order_by("-year")
        return self.annotate(
            latest_etp=Subquery(latest.values("etp")[:1]),
            latest_etp_year=Subquery(latest.values("year")[:1]),
        )

    # Territory filters. A pole belongs to a territory when its seat is there or when
    # its territory of action reaches it. Each link is an EXISTS on a many-to-many
    # table (indexed by pole and by target), so no join multiplies the rows and no
    # DISTINCT is needed.

    def linked_through(self, field: str, **lookups) -> Exists:
        through = self.model._meta.get_field(field).remote_field.through
        return Exists(through.objects.filter(pole_id=OuterRef("pk"), **lookups))

    def in_region(self, code: str):
        return self.filter(
            Q(seat_commune__departement__region_id=code)
            | self.linked_through("territory_regions", region_id=code)
            | self.linked_through("territory_departements", departement__region_id=code)
            | self.linked_through("territory_communes", commune__departement__region_id=code)
            | self.linked_through("territory_epcis", epci__departements__region_id=code)
        )

    def in_departement(self, code: str, *, region_code: str):
        """Poles there; `region_code` (the département's) brings the région-wide poles."""
        return self.filter(
            Q(seat_commune__departement_id=code)
            | self.linked_through("territory_departements", departement_id=code)
            | self.linked_through("territory_communes", commune__departement_id=code)
            | self.linked_through("territory_epcis", epci__departements=code)
            | self.linked_through("territory_regions", region_id=region_code)
        )

    def covering_commune(self, commune):
        """Poles whose territory of action covers `commune` (a Commune with its parent).

        Paris, Lyon and Marseille: a pole acting in the city (13055) covers each of its
        arrondissements (13201), and a visitor asking for the city also finds the poles
        of its arrondissements; an arrondissement does not find its neighbours' poles.
        """
        city = commune.parent or commune
        codes = {commune.code, city.code}
        epcis = {code for code in (commune.epci_id, city.epci_id) if code}
        departement = commune.departement
        covering = (
            Q(seat_commune_id__in=codes)
            | self.linked_through("territory_communes", commune_id__in=codes)
            | self.linked_through("territory_epcis", epci_id__in=epcis)
            | self.linked_through("territory_departements", departement_id=departement.code)
            | self.linked_through("territory_regions", region_id=departement.region_id)
        )
        if commune.parent_id is None:
            covering |= Q(seat_commune__parent_id=commune.code) | self.linked_through(
                "territory_communes", commune__parent_id=commune.code
            )
        return self.filter(covering)

    def search(self, text: str):
        """Poles matching a visitor's free text, accent- and case-insensitive.

        On PostgreSQL: French full-text search (stemmed, unaccented) or trigram word
        similarity for typos, over the indexed `search_text`, annotated with
        `search_rank` and ordered by it. Elsewhere (SQLite): every word must appear
        in `search_text`. Either way `search_text` holds normalised text (see
        poles.services), so the query is normalised the same way.
        """
        query = normalize(text)
        words = query.split()
        if not words:
            return self
        every_word = Q()
        for word in words:
            every_word &= Q(search_text__contains=word)
        if connection.vendor != "postgresql":
            return self.filter(every_word)
        return self._search_postgresql(query, every_word)

    def _search_postgresql(self, query: str, every_word: Q):
        # Imported here: SQLite installs must not need anything PostgreSQL-specific.
        from django.contrib.postgres.lookups import SearchVectorExact, TrigramWordSimilar
        from django.contrib.postgres.search import (
            SearchQuery,
            SearchRank,
            SearchVectorField,
            TrigramWordSimilarity,
        )
        from django.db.models import FloatField, Func, Value

        class StoredDocument(Func):
            # Exactly the expression of the GIN index of migration 0002, so that it is used.
            template = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
            output_field = SearchVectorField()

        class WeightedDocument(Func):
            # For ranking only (computed on matching rows): the first line of
            # search_text is the pole's name, which weighs more than the rest.
            template = (
                f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, "
                "split_part(%(expressions)s, E'\\n', 1)), 'A') || "
                f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
            )
            output_field = SearchVectorField()

        ts_query = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        matches = (
            Q(SearchVectorExact(StoredDocument(F("search_text")), ts_query))
            | Q(TrigramWordSimilar(F("search_text"), Value(query)))
            | every_word
        )
        rank = SearchRank(WeightedDocument(F("search_text")), ts_query) + TrigramWordSimilarity(
            Value(query), F("search_text")
        )
        return (
            self.filter(matches)
            .annotate(search_rank=models.ExpressionWrapper(rank, output_field=FloatField()))
            .order_by(F("search_rank").desc(), "name", "pk")
        )
