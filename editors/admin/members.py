from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from editors.admin.mixins import ScopedInlineMixin, ScopedVersionAdmin
from members.forms import CollegeInlineFormSet
from members.models import College, Cooperator


class CollegeInline(ScopedInlineMixin, admin.TabularInline):
    model = College
    formset = CollegeInlineFormSet
    # Folded on the pole form: a coordinator's usual edit is figures and members.
    classes = ["collapse"]
    add_text = _("Add a college")
    extra = 0
    fields = ["name", "vote_weight", "position"]


@admin.register(College)
class CollegeAdmin(ScopedVersionAdmin):
    list_display = ["name", "pole", "vote_weight"]
    list_select_related = ["pole"]
    search_fields = ["name", "pole__name"]
    autocomplete_fields = ["pole"]


@admin.register(Cooperator)
class CooperatorAdmin(ScopedVersionAdmin):
    list_display = ["name", "kind", "pole", "college", "shares", "is_board_member"]
    list_filter = ["kind", "is_board_member", "consents_to_publication"]
    list_select_related = ["pole", "college"]
    # Grouped by pole as the model orders them, but by the pole's id rather than its
    # name: the page is read in index order (then sorted by name within each pole)
    # instead of sorting 300,000 cooperators joined to their pole.
    ordering = ["pole_id", "name", "pk"]
    search_fields = ["name", "pole__name"]
    autocomplete_fields = ["pole", "structure", "college"]
