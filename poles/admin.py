from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from members.admin import CollegeInline

from .models import (
    Approval,
    HeadcountBand,
    KeyFigure,
    LegalForm,
    Membership,
    Network,
    Pole,
    PoleSource,
    PoolingType,
    Recognition,
    Sector,
    Structure,
)


class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Sector)
class SectorAdmin(ReferenceAdmin):
    list_display = [*ReferenceAdmin.list_display, "color"]


@admin.register(LegalForm)
class LegalFormAdmin(ReferenceAdmin):
    list_display = ["name", "abbreviation", "family", "position"]
    list_filter = ["family"]
    search_fields = [*ReferenceAdmin.search_fields, "abbreviation"]


@admin.register(Approval)
class ApprovalAdmin(ReferenceAdmin):
    list_display = ["name", "abbreviation", "is_iae", "position"]
    list_filter = ["is_iae"]
    search_fields = [*ReferenceAdmin.search_fields, "abbreviation"]


@admin.register(PoolingType)
class PoolingTypeAdmin(ReferenceAdmin):
    list_display = [*ReferenceAdmin.list_display, "survey_share"]


@admin.register(Network)
class NetworkAdmin(ReferenceAdmin):
    list_display = ["name", "kind", "animated_by", "position"]
    list_filter = ["kind"]
    list_select_related = ["animated_by"]
    autocomplete_fields = ["animated_by"]


@admin.register(Recognition)
class RecognitionAdmin(ReferenceAdmin):
    list_display = ["name", "year", "announced", "laureate_count", "position"]


@admin.register(HeadcountBand)
class HeadcountBandAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "min_employees", "max_employees", "position"]
    list_editable = ["position"]
    search_fields = ["code", "label"]


class KeyFigureInline(admin.TabularInline):
    model = KeyFigure
    extra = 0
    fields = [
        "year",
        "etp",
        "turnover",
        "member_structures_count",
        "cooperators_count",
        "is_approximate",
        "note",
        "source",
    ]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["structure"]
    fields = ["structure", "role", "joined_year", "left_year", "note", "source"]


class PoleSourceInline(admin.TabularInline):
    model = PoleSource
    extra = 0
    fields = ["citation", "url", "position"]


@admin.register(Pole)
class PoleAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "seat_commune", "founded_year", "is_published", "updated_at"]
    list_filter = [
        "is_published",
        "status",
        ("seat_commune__departement__region", admin.RelatedOnlyFieldListFilter),
        "sectors",
        "networks",
    ]
    list_select_related = ["seat_commune"]
    search_fields = ["name", "slug", "seat_commune__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = [
        "seat_commune",
        "legal_form",
        "main_sector",
        "territory_communes",
        "territory_epcis",
        "territory_departements",
        "territory_regions",
        "sectors",
        "pooling_types",
        "recognitions",
        "networks",
    ]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [KeyFigureInline, MembershipInline, CollegeInline, PoleSourceInline]
    fieldsets = [
        (
            _("Identity"),
            {
                "fields": [
                    "name",
                    "slug",
                    "summary",
                    "description",
                    "development_axes",
                    "logo",
                    "is_published",
                ]
            },
        ),
        (
            _("Status and years"),
            {"fields": ["status", "status_as_of", "founded_year", "closed_year", "legal_form"]},
        ),
        (
            _("Seat"),
            {"fields": ["address", "postal_code", "seat_commune", "latitude", "longitude"]},
        ),
        (
            _("Territory of action"),
            {
                "fields": [
                    "territory_communes",
                    "territory_epcis",
                    "territory_departements",
                    "territory_regions",
                ]
            },
        ),
        (
            _("Activity"),
            {"fields": ["main_sector", "sectors", "pooling_types", "recognitions", "networks"]},
        ),
        (_("Contact"), {"fields": ["website", "email", "phone"]}),
        (_("Sources and history"), {"fields": ["source", "created_at", "updated_at"]}),
    ]
    actions = ["publish", "unpublish"]

    @admin.action(description=_("Publish the selected poles"))
    def publish(self, request, queryset):
        queryset.update(is_published=True)

    @admin.action(description=_("Unpublish the selected poles"))
    def unpublish(self, request, queryset):
        queryset.update(is_published=False)


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "siret", "legal_form", "commune", "pole_count"]
    list_filter = ["legal_form__family", "approvals", "headcount_band"]
    list_select_related = ["legal_form", "commune"]
    search_fields = ["name", "siret"]
    autocomplete_fields = ["legal_form", "approvals", "headcount_band", "commune"]
    inlines = [MembershipInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(pole_count=Count("memberships", distinct=True))
        )

    @admin.display(description=_("poles"), ordering="pole_count")
    def pole_count(self, obj):
        return obj.pole_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["structure", "pole", "role", "joined_year", "left_year"]
    list_filter = ["role"]
    list_select_related = ["structure", "pole"]
    search_fields = ["structure__name", "pole__name"]
    autocomplete_fields = ["pole", "structure"]


@admin.register(KeyFigure)
class KeyFigureAdmin(admin.ModelAdmin):
    list_display = ["pole", "year", "etp", "turnover", "member_structures_count"]
    list_filter = ["year"]
    list_select_related = ["pole"]
    search_fields = ["pole__name"]
    autocomplete_fields = ["pole"]
