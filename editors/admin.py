from django.contrib import admin

from .models import EditorProfile


@admin.register(EditorProfile)
class EditorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role"]
    list_filter = ["role"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    autocomplete_fields = ["user", "regions", "departements", "networks", "poles"]
