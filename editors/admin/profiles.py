from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from editors import scopes
from editors.admin.locking import OptimisticLockAdminMixin
from editors.models import EditorProfile
from editors.services import sync_editor_group

User = get_user_model()


class NationalOnlyMixin:
    """Editors and their scopes are managed by national administrators only."""

    def has_module_permission(self, request):
        return scopes.is_national(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return scopes.is_national(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return scopes.is_national(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return scopes.is_national(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return scopes.is_national(request.user) and super().has_delete_permission(request, obj)


SCOPE_HELP = _(
    "Territorial editors: the poles seated in these régions or départements, or in these "
    "networks. Pole coordinators: the poles listed. National administrators: everything."
)


@admin.register(EditorProfile)
class EditorProfileAdmin(NationalOnlyMixin, OptimisticLockAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role"]
    list_filter = ["role"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    autocomplete_fields = ["user", "regions", "departements", "networks", "poles"]
    fieldsets = [
        (None, {"fields": ["user", "role"]}),
        (
            _("Scope"),
            {"fields": ["regions", "departements", "networks", "poles"], "description": SCOPE_HELP},
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        sync_editor_group(form.instance.user)


class EditorProfileInline(NationalOnlyMixin, admin.StackedInline):
    model = EditorProfile
    can_delete = True
    extra = 0
    max_num = 1
    autocomplete_fields = ["regions", "departements", "networks", "poles"]
    fields = ["role", "regions", "departements", "networks", "poles"]
    verbose_name = _("editor role and scope")


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(OptimisticLockAdminMixin, BaseUserAdmin):
    """Django's user admin, with the editor's role and scope on the same page."""

    base_change_form_template = BaseUserAdmin.change_form_template

    inlines = [*BaseUserAdmin.inlines, EditorProfileInline]

    def has_change_permission(self, request, obj=None):
        # Only a superuser changes a superuser's account (its password included).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # A national administrator manages editors, not superusers' powers.
            readonly += ["is_superuser", "user_permissions", "groups"]
        return readonly

    def get_inlines(self, request, obj):
        # The profile is set once the account exists (the add page only asks for
        # a username and a password).
        return self.inlines if obj is not None else []

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        sync_editor_group(form.instance)
