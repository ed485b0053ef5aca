from django.db import models
from django.db.models import Q


class CooperatorQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)

    def publicly_named(self):
        """Organisations, and persons who consented to be named."""
        return self.filter(Q(kind="organisation") | Q(kind="person", consents_to_publication=True))
