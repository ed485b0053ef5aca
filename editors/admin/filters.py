"""Changelist filters of the staff admin (the public directory's are in filters.py)."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from caching import versioned
from editors import scopes
from editors.selectors import recent_figures, thin_record
from territories.models import Commune, Departement


def reference_choices(field, ordering):
    """`field.get_choices()` of a filter (the related records' keys and names, in the
    related admin's order), read once per data version and language rather than at
    every request: what a list offers to filter by is the same for every editor. The
    version is read once for all the filters of a changelist (caching.data_version)."""
    return versioned(
        f"admin-filter-choices:{field.model._meta.label}.{field.name}:{ordering!r}",
        lambda: field.get_choices(include_blank=False, ordering=ordering),
        per_language=True,
    )


class ReferenceListFilter(admin.RelatedFieldListFilter):
    """Django's filter by a related reference list (sectors, networks), its choices
    read once per data version (`reference_choices`). Every editor sees them all, as
    with Django's."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        return reference_choices(field, ordering)


class FiguresOutdatedFilter(admin.SimpleListFilter):
    """Poles whose latest key figures are older than two years, or that have none."""

    title = _("key figures")
    parameter_name = "figures"

    def lookups(self, request, model_admin):
        return [
            ("outdated", _("older than two years, or none")),
            ("recent", _("from the last two years")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "outdated":
            return queryset.filter(~recent_figures())
        if self.value() == "recent":
            return queryset.filter(recent_figures())
        return queryset


class ThinRecordFilter(admin.SimpleListFilter):
    """Poles with little in their record (editors.selectors.thin_record)."""

    title = _("record")
    parameter_name = "record"

    def lookups(self, request, model_admin):
        return [("thin", _("thin: to complete, no text or no current member"))]

    def queryset(self, request, queryset):
        if self.value() == "thin":
            return queryset.filter(thin_record())
        return queryset


class MissingSiretFilter(admin.SimpleListFilter):
    title = _("SIRET")
    parameter_name = "siret"

    def lookups(self, request, model_admin):
        return [("missing", _("missing")), ("given", _("given"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(siret="")
        if self.value() == "given":
            return queryset.exclude(siret="")
        return queryset


class SeatRegionFilter(admin.RelatedOnlyFieldListFilter):
    """The régions of the poles' seats (the filter of `seat_commune__departement__region`).
    A national administrator sees every région (all have poles at national scale)
    without the DISTINCT over every pole's seat that "related only" costs, read once
    per data version; other editors see only the régions of their poles.

    Those are read from each pole's seat département, looked up by the commune's key
    (a correlated subquery), rather than through Django's join of the poles on the
    communes: PostgreSQL cannot estimate the scope's OR of `IN` tests (editors.scopes)
    and, expecting nearly every pole, read all 35,000 communes to join a few hundred
    poles."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        if scopes.is_national(request.user):
            return reference_choices(field, ordering)
        seat_departement = (
            Commune.objects.filter(pk=OuterRef("seat_commune_id"))
            .order_by()
            .values("departement_id")
        )
        departements = model_admin.get_queryset(request).values(
            departement=Subquery(seat_departement)
        )
        regions = Departement.objects.filter(pk__in=departements).values("region_id")
        return field.get_choices(
            include_blank=False, limit_choices_to={"pk__in": regions}, ordering=ordering
        )
