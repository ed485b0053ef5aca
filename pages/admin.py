from django.contrib import admin

from editors import scopes

from .models import Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    """National administrators edit the pages; other staff read them."""

    list_display = ["title_fr", "slug", "updated_at"]
    fields = ["slug", "title_fr", "body_fr", "title_en", "body_en", "updated_at"]
    readonly_fields = ["slug", "updated_at"]

    def has_module_permission(self, request):
        return scopes.is_staff_member(request.user)

    def has_view_permission(self, request, obj=None):
        return scopes.is_staff_member(request.user)

    def has_change_permission(self, request, obj=None):
        return scopes.is_national(request.user)

    # The four pages are linked from every page's footer: created by a migration,
    # never added or deleted.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
