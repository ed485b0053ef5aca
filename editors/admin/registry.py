"""The SIRENE registry in the structure form: the look-up endpoint, the SIRET input
that calls it, and what the registry said (registry app)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from poles.models import Structure
from poles.models.structure import REGISTRY_FIELDS
from registry.forms import StructureRegistryForm
from registry.views import lookup_json
from registry.widgets import SiretLookupInput


class RegistryLookupAdminMixin:
    form = StructureRegistryForm

    def _registry_url_name(self):
        return f"{self.opts.app_label}_{self.opts.model_name}_registry_lookup"

    def get_urls(self):
        view = self.admin_site.admin_view(self.registry_lookup_view)
        # Before the default URLs, whose "<path:object_id>/" would catch this one.
        return [
            path("registry-lookup/", view, name=self._registry_url_name()),
            *super().get_urls(),
        ]

    def registry_lookup_view(self, request):
        """Staff who may add or change structures look numbers up (JSON)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        return lookup_json(request)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "siret":
            kwargs["widget"] = SiretLookupInput(
                lookup_url=reverse(f"{self.admin_site.name}:{self._registry_url_name()}")
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @staticmethod
    def registry_field_names(structure: Structure) -> list[str]:
        return [
            str(Structure._meta.get_field(name).verbose_name)
            for name in REGISTRY_FIELDS
            if name in structure.registry_fields
        ]

    @admin.display(description=_("what the registry says"))
    def registry_summary(self, obj):
        return render_to_string(
            "registry/structure_summary.html",
            {"structure": obj, "registry_fields": self.registry_field_names(obj) if obj else []},
        )
