"""Personal API tokens in the admin: every staff member creates and revokes their own
(superusers see everyone's). A token is shown once, when it is created."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "token_prefix", "user", "created_at", "expires_at", "last_used_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("token_prefix", "user", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "expires_at")
        return ("name", "token_prefix", "user", "created_at", "expires_at", "last_used_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else (*self.readonly_fields, "expires_at")

    @admin.display(description=_("token"))
    def token_prefix(self, obj):
        return f"ptce_{obj.prefix}_…"

    def get_queryset(self, request):
        tokens = super().get_queryset(request).select_related("user")
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def _own(self, request, obj) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return obj is None or user.is_superuser or obj.user_id == user.pk

    def has_module_permission(self, request):
        return self._own(request, None)

    def has_view_permission(self, request, obj=None):
        return self._own(request, obj)

    def has_add_permission(self, request):
        return self._own(request, None)

    def has_change_permission(self, request, obj=None):
        return self._own(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the list keeps what existed

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        obj.user = request.user
        raw = services.issue_token(token=obj)
        messages.warning(
            request,
            _("Copy this token now, it will not be shown again: %(token)s") % {"token": raw},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.revoke_token(token=token)
        self.message_user(request, _("The selected tokens are revoked."))
