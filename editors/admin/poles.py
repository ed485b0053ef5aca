import copy

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from editors import scopes
from editors.admin.filters import (
    FiguresOutdatedFilter,
    MissingSiretFilter,
    ReferenceListFilter,
    SeatRegionFilter,
    ThinRecordFilter,
)
from editors.admin.locking import OptimisticLockAdminMixin
from editors.admin.members import CollegeInline
from editors.admin.mixins import NationalEditMixin, ScopedInlineMixin, ScopedVersionAdmin
from editors.admin.photos import PoleLogoAdminMixin, PolePhotoInline
from editors.admin.registry import RegistryLookupAdminMixin
from editors.admin.seat_map import SeatMapAdminMixin
from editors.forms import MembershipInlineFormSet, PoleMembershipForm, PoleScopeFormMixin
from editors.services import set_publication
from poles.models import (
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
from poles.querysets import LONG_TEXTS, SEARCH_COLUMNS, membership_count
from registry.widgets import SiretLookupInput
from territories.models import Commune


class ReferenceAdmin(NationalEditMixin, OptimisticLockAdminMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Sector)
class SectorAdmin(ReferenceAdmin):
    list_display = [*ReferenceAdmin.list_display, "color", "symbol", "symbol_en"]


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
class HeadcountBandAdmin(NationalEditMixin, OptimisticLockAdminMixin, admin.ModelAdmin):
    list_display = ["code", "label", "min_employees", "max_employees", "position"]
    list_editable = ["position"]
    search_fields = ["code", "label"]


class KeyFigureInline(ScopedInlineMixin, admin.TabularInline):
    model = KeyFigure
    extra = 0
    add_text = _("Add the figures of another year")
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

    @staticmethod
    def version_row_label(figure):
        # How a conflict names the row: "Key figures 2023".
        return _("Key figures %(year)s") % {"year": figure.year}


class MembershipInline(ScopedInlineMixin, admin.TabularInline):
    model = Membership
    # Two current animators in one submission get a clear error, not a crash on save.
    formset = MembershipInlineFormSet
    extra = 0
    # Both ends: on a pole's page the pole is the parent (a hidden field), on a
    # structure's page the structure is; the other one is picked.
    autocomplete_fields = ["pole", "structure"]
    fields = ["pole", "structure", "role", "joined_year", "left_year", "note", "source"]

    def get_queryset(self, request):
        # Each row's name (structure, pole) is part of its version (editors.locking).
        return super().get_queryset(request).select_related("pole", "structure")


class PoleMembershipInline(MembershipInline):
    """The pole form's memberships: a row may create its structure in place (name,
    SIRET, commune, legal form; see editors.forms.PoleMembershipForm), for editors who
    may add structures. The fields of a new structure show under the structure's
    input, in rows not saved yet."""

    form = PoleMembershipForm
    template = "editors/admin/edit_inline/pole_memberships.html"
    add_text = _("Add a member structure")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "structure" and hasattr(formfield.widget, "can_add_related"):
            # A new structure is described in the row: no pop-up window to create one
            # (its pencil still opens an existing structure).
            formfield.widget.can_add_related = False
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        form = formset.form  # a class made for this request: safe to adjust
        form.editor = request.user
        new_fields = [*PoleMembershipForm.NEW_FIELDS, PoleMembershipForm.TOKEN_FIELD]
        if not request.user.has_perm(
            f"{Structure._meta.app_label}.add_{Structure._meta.model_name}"
        ):
            for name in new_fields:
                form.base_fields.pop(name, None)
            return formset
        for name, model_field in (
            ("new_structure_commune", Structure._meta.get_field("commune")),
            ("new_structure_legal_form", Structure._meta.get_field("legal_form")),
        ):
            form.base_fields[name].widget = AutocompleteSelect(
                model_field,
                self.admin_site,
                attrs={"data-new-structure": model_field.name},
            )
        # The structure admin's look-up endpoint (its permissions: add or change
        # structures, which these rows require) and its script, loaded by the widget.
        # A copy (the form class's fields are PoleMembershipForm's own objects), declared
        # too: the locking's subclass of this form class rebuilds its fields from those.
        siret = copy.deepcopy(form.base_fields["new_structure_siret"])
        siret.widget = SiretLookupInput(
            lookup_url=reverse(f"{self.admin_site.name}:poles_structure_registry_lookup"),
            attrs=siret.widget.attrs,
        )
        form.base_fields["new_structure_siret"] = form.declared_fields["new_structure_siret"] = (
            siret
        )
        return formset


class PoleSourceInline(ScopedInlineMixin, admin.TabularInline):
    model = PoleSource
    extra = 0
    # Folded on the pole form: a coordinator's usual edit is figures and members.
    classes = ["collapse"]
    add_text = _("Add a source")
    fields = ["citation", "url", "year", "position"]


@admin.register(Pole)
class PoleAdmin(PoleLogoAdminMixin, SeatMapAdminMixin, ScopedVersionAdmin):
    list_display = ["name", "status", "seat_commune", "founded_year", "is_published", "updated_at"]
    list_filter = [
        "is_published",
        "status",
        ("seat_commune__departement__region", SeatRegionFilter),
        ("sectors", ReferenceListFilter),
        ("networks", ReferenceListFilter),
        "to_complete",
        FiguresOutdatedFilter,
        ThinRecordFilter,
    ]
    list_select_related = ["seat_commune"]
    # The descriptions and the search columns weigh kilobytes per pole.
    changelist_defer = (*LONG_TEXTS, *SEARCH_COLUMNS)
    # The model's order (accent-insensitive name) made total, read from an index
    # (editors migration 0002): the page's rows, not every pole, are read and sorted.
    ordering = [*Pole._meta.ordering, "pk"]
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
    inlines = [
        KeyFigureInline,
        PoleMembershipInline,
        CollegeInline,
        PoleSourceInline,
        PolePhotoInline,
    ]
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
                    "to_complete",
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

    class Media:
        css = {"all": ["editors/css/pole_form.css"]}
        js = ["editors/js/pole_form.js"]

    def get_fieldsets(self, request, obj=None):
        """Every section folded (`<details>`, no script needed) but the identity of a new
        pole: the form is 8,800 px long unfolded, and a coordinator's usual edit (this
        year's figures, a new member) is in the inlines under them. A section with an
        error opens by itself."""
        fieldsets = super().get_fieldsets(request, obj)
        folded = []
        for index, (name, options) in enumerate(fieldsets):
            if obj is None and index == 0:
                folded.append((name, options))
                continue
            classes = [*options.get("classes", ()), "collapse"]
            folded.append((name, {**options, "classes": classes}))
        return folded

    # A non-national editor cannot move a pole out of their scope (seat, networks).
    form_mixins = (PoleScopeFormMixin,)

    def scope_queryset(self, request, queryset):
        # The scope's conditions added to the list's query: no self-join.
        return queryset & scopes.editable_poles(request.user)

    def version_in_scope(self, request, version):
        if scopes.is_national(request.user):
            return True
        values = version.field_dict
        seat = (
            Commune.objects.filter(pk=values.get("seat_commune_id")).first()
            if values.get("seat_commune_id")
            else None
        )
        return scopes.pole_would_be_in_scope(
            request.user,
            seat_commune=seat,
            network_ids=values.get("networks") or [],
            pole_pk=version.object_id,
        )

    def deletion_companions(self, obj):
        # Photos are not followed by the pole's versions (a revert keeps the photos
        # added since); the deletion snapshot holds them, so that recovering the pole
        # brings them back with their files (kept on deletion, see poles.images).
        return list(obj.photos.all())

    def _set_publication(self, request, queryset, published):
        # Each pole saved and logged (LogEntry and history), not a silent bulk update.
        changed = set_publication(poles=queryset, published=published)
        self.log_change_for_each(
            request,
            changed,
            [{"changed": {"fields": [str(Pole._meta.get_field("is_published").verbose_name)]}}],
        )
        return changed

    @admin.action(description=_("Publish the selected poles"), permissions=["change"])
    def publish(self, request, queryset):
        changed = self._set_publication(request, queryset, True)
        self.message_user(
            request, _("%(count)d pole(s) published.") % {"count": len(changed)}, messages.SUCCESS
        )

    @admin.action(description=_("Unpublish the selected poles"), permissions=["change"])
    def unpublish(self, request, queryset):
        changed = self._set_publication(request, queryset, False)
        self.message_user(
            request, _("%(count)d pole(s) unpublished.") % {"count": len(changed)}, messages.SUCCESS
        )


@admin.register(Structure)
class StructureAdmin(RegistryLookupAdminMixin, ScopedVersionAdmin):
    # One row per structure and pole: the structures file carries the memberships.
    list_display = ["name", "siret", "legal_form", "commune", "pole_count"]
    list_filter = [
        MissingSiretFilter,
        "registry_state",
        "legal_form__family",
        "approvals",
        "headcount_band",
    ]
    list_select_related = ["legal_form", "commune"]
    search_fields = ["name", "siret"]
    autocomplete_fields = ["legal_form", "approvals", "headcount_band", "commune"]
    inlines = [MembershipInline]
    readonly_fields = ["registry_summary", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    # Typing a SIRET or a SIREN fills the fields below from the registry.
                    "siret",
                    "registry_token",
                    "legal_form",
                    "naf_code",
                    "headcount_band",
                    "commune",
                    "is_ess",
                    "approvals",
                    "website",
                    "description",
                ]
            },
        ),
        (_("Figures"), {"fields": ["etp", "turnover", "figures_year"]}),
        (_("SIRENE registry"), {"fields": ["registry_summary"]}),
        (_("Sources and history"), {"fields": ["source", "created_at", "updated_at"]}),
    ]
    # Index-backed (structure name): the page's rows are read in order and stop at the
    # page's end, among 100,000 structures.
    ordering = ["name", "pk"]

    def get_queryset(self, request):
        # Ordered explicitly so that autocomplete pages are stable.
        return (
            super()
            .get_queryset(request)
            .annotate(pole_count=membership_count("structure"))
            .order_by("name", "pk")
        )

    @admin.display(description=_("poles"), ordering="pole_count")
    def pole_count(self, obj):
        return obj.pole_count

    def scope_queryset(self, request, queryset):
        # The structures of the editor's poles, and those of no pole yet (just
        # created, so that they can be attached): never another pole's only. The
        # scope's conditions are added to the list's query (not wrapped in a
        # `pk IN (...)` of the same table), so that the page is read in name order.
        return queryset & scopes.attachable_structures(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            # Its creator keeps it in sight while it belongs to no pole (scopes).
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # Deleting a shared structure would also remove it from the other pole.
        return super().has_delete_permission(request, obj) and (
            obj is None or scopes.structure_fully_in_scope(request.user, obj)
        )

    def deletion_companions(self, obj):
        # Memberships go with the structure: keep them in the snapshot, so that
        # recovering the structure puts it back in its poles.
        return list(obj.memberships.all())

    def version_in_scope(self, request, version):
        """Judged from this structure's own memberships: those stored in the version's
        revision (a bulk deletion snapshots many structures' memberships together) and
        those it has now. A structure of no pole is its creator's (see
        scopes.attachable_structures)."""
        if scopes.is_national(request.user):
            return True
        structure_id = int(version.object_id)
        memberships = version.revision.version_set.filter(
            content_type=ContentType.objects.get_for_model(Membership)
        )
        pole_ids = {
            values.get("pole_id")
            for values in (member.field_dict for member in memberships)
            if values.get("structure_id") == structure_id
        }
        pole_ids.update(
            Membership.objects.filter(structure_id=structure_id).values_list("pole_id", flat=True)
        )
        if not pole_ids:
            current = Structure.objects.filter(pk=structure_id).values("created_by_id").first()
            created_by = (current or version.field_dict).get("created_by_id")
            return created_by is not None and created_by == request.user.pk
        return scopes.editable_poles(request.user).filter(pk__in=pole_ids).exists()


@admin.register(Membership)
class MembershipAdmin(ScopedVersionAdmin):
    list_display = ["structure", "pole", "role", "joined_year", "left_year"]
    list_filter = ["role"]
    list_select_related = ["structure", "pole"]
    # Grouped by pole and role, as the model orders them, but by the pole's id rather
    # than its name: an index order (membership_pole_role_idx) instead of a sort of
    # every membership joined to its pole and structure.
    ordering = ["pole_id", "role", "pk"]
    search_fields = ["structure__name", "pole__name"]
    autocomplete_fields = ["pole", "structure"]


@admin.register(KeyFigure)
class KeyFigureAdmin(ScopedVersionAdmin):
    list_display = ["pole", "year", "etp", "turnover", "member_structures_count"]
    list_filter = ["year"]
    list_select_related = ["pole"]
    # Grouped by pole (by id: an index order, not a sort by the pole's name), latest
    # year first.
    ordering = ["pole_id", "-year", "pk"]
    search_fields = ["pole__name"]
    autocomplete_fields = ["pole"]
