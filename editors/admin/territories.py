from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from editors import scopes
from editors.admin.locking import OptimisticLockAdminMixin
from editors.admin.mixins import NationalEditMixin
from territories.models import EPCI, Commune, Departement, Region

# The official geography is reference data: national administrators maintain it,
# every editor reads it (commune and territory autocomplete).


@admin.register(Region)
class RegionAdmin(NationalEditMixin, OptimisticLockAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "zone"]
    search_fields = ["code", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Departement)
class DepartementAdmin(NationalEditMixin, OptimisticLockAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "region", "zone"]
    list_filter = ["region", "zone"]
    list_select_related = ["region"]
    search_fields = ["code", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(EPCI)
class EPCIAdmin(NationalEditMixin, OptimisticLockAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    filter_horizontal = ["departements"]


@admin.register(Commune)
class CommuneAdmin(NationalEditMixin, OptimisticLockAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "departement", "postal_codes", "population", "is_current"]
    list_filter = ["is_current", "kind", "departement__region"]
    list_select_related = ["departement"]
    search_fields = ["code"]  # extended by get_search_results: name prefix, postal code
    search_help_text = _("Name (start of), INSEE code or postal code.")
    autocomplete_fields = ["epci", "parent"]
    readonly_fields = ["search_name"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        if (
            request.GET.get("app_label"),
            request.GET.get("model_name"),
            request.GET.get("field_name"),
        ) == ("poles", "pole", "seat_commune"):
            # The autocomplete of a pole's seat: only the communes the editor may choose.
            queryset = queryset & scopes.seat_communes(request.user)
        # Prefix search on the indexed, normalised name instead of a full-table
        # ILIKE '%…%' on 35,000 rows: fast autocomplete, accents optional.
        if not search_term.strip():
            return queryset, False
        return queryset & Commune.objects.search(search_term), False

    def get_ordering(self, request):
        return ["search_name", "code"]
