from django.db import models
from django.utils.translation import gettext_lazy as _


class PoleCoverage(models.Model):
    """A département where a pole is present: its seat's, and each département of its
    territory of action (each of a région's, each one an EPCI spans, each of its
    communes').

    Derived data, rebuilt by `poles.services.refresh_coverage` whenever a pole's seat or
    territory changes (poles/derived.py) and after the territories are reloaded. The
    région and département filters and pages read this one indexed table: answering
    them from the territory itself ORed five subqueries, two of them over the thousands
    of communes of a région, at every request.
    """

    pole = models.ForeignKey(
        "poles.Pole",
        on_delete=models.CASCADE,
        related_name="coverage",
        db_index=False,  # the unique constraint's index starts with the pole
    )
    departement = models.ForeignKey(
        "territories.Departement", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The département's région, copied so that a région's poles are one index range.
    region = models.ForeignKey(
        "territories.Region", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("département covered by a pole")
        verbose_name_plural = _("départements covered by poles")
        # Derived data, never edited by hand: no add/change/delete/view permissions to
        # list (untranslated) in the groups' and users' permission pickers.
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["pole", "departement"], name="coverage_one_row_per_departement"
            ),
        ]
        indexes = [
            models.Index(fields=["departement", "pole"], name="coverage_departement_idx"),
            models.Index(fields=["region", "pole"], name="coverage_region_idx"),
        ]

    def __str__(self):
        return f"{self.pole_id} → {self.departement_id}"
