from django.db import models
from django.db.models import Prefetch


class PoleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def for_list(self):
        """What a list of poles shows, in a constant number of queries."""
        from .models import Sector

        return self.select_related(
            "seat_commune__departement__region", "main_sector", "legal_form"
        ).prefetch_related(Prefetch("sectors", queryset=Sector.objects.order_by("position")))
