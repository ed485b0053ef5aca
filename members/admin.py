from django.contrib import admin

from editors.admin_mixins import ScopedInlineMixin, ScopedVersionAdmin
from poles.imports import DirectoryImportExportMixin

from .forms import CollegeInlineFormSet
from .models import College, Cooperator
from .resources import CooperatorResource


class CollegeInline(ScopedInlineMixin, admin.TabularInline):
    model = College
    formset = CollegeInlineFormSet
    extra = 0
    fields = ["name", "vote_weight", "position"]


@admin.register(College)
class CollegeAdmin(ScopedVersionAdmin):
    list_display = ["name", "pole", "vote_weight"]
    list_select_related = ["pole"]
    search_fields = ["name", "pole__name"]
    autocomplete_fields = ["pole"]


@admin.register(Cooperator)
class CooperatorAdmin(DirectoryImportExportMixin, ScopedVersionAdmin):
    resource_classes = [CooperatorResource]
    list_display = ["name", "kind", "pole", "college", "shares", "is_board_member"]
    list_filter = ["kind", "is_board_member", "consents_to_publication"]
    list_select_related = ["pole", "college"]
    search_fields = ["name", "pole__name"]
    autocomplete_fields = ["pole", "structure", "college"]
