from django.contrib import admin

from .forms import CollegeInlineFormSet
from .models import College, Cooperator


class CollegeInline(admin.TabularInline):
    model = College
    formset = CollegeInlineFormSet
    extra = 0
    fields = ["name", "vote_weight", "position"]


@admin.register(College)
class CollegeAdmin(admin.ModelAdmin):
    list_display = ["name", "pole", "vote_weight"]
    list_select_related = ["pole"]
    search_fields = ["name", "pole__name"]
    autocomplete_fields = ["pole"]


@admin.register(Cooperator)
class CooperatorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "pole", "college", "shares", "is_board_member"]
    list_filter = ["kind", "is_board_member", "consents_to_publication"]
    list_select_related = ["pole", "college"]
    search_fields = ["name", "pole__name"]
    autocomplete_fields = ["pole", "structure", "college"]
