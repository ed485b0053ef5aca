from django.db import models

from .text import normalize


class CommuneQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)

    def search(self, term: str):
        """Communes by INSEE code, postal code or name (accent- and case-insensitive)."""
        term = (term or "").strip()
        if not term:
            return self.none()
        if term[:2].isdigit() or term[:2].upper() in {"2A", "2B"}:
            term = term.upper()
            return self.filter(
                models.Q(code__startswith=term) | models.Q(postal_codes__contains=term)
            )
        # Name prefix, or the start of a later word: "ile saint denis" finds
        # "L'Île-Saint-Denis", "chapelle" finds "Lachapelle-…" only by prefix.
        normalized = normalize(term)
        return self.filter(
            models.Q(search_name__startswith=normalized)
            | models.Q(search_name__contains=f" {normalized}")
        )
