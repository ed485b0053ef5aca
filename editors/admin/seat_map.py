"""The seat map of the pole form: its widget and the commune-coordinates endpoint."""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext

from poles.widgets import SeatMapWidget
from territories.models import Commune


class SeatMapAdminMixin:
    """Puts a map under the longitude input (see poles.widgets.SeatMapWidget)."""

    def _coordinates_url_name(self):
        return f"{self.opts.app_label}_{self.opts.model_name}_commune_coordinates"

    def get_urls(self):
        view = self.admin_site.admin_view(self.commune_coordinates_view)
        # Before the default URLs, whose "<path:object_id>/" would catch this one.
        return [
            path("commune-coordinates/", view, name=self._coordinates_url_name()),
            *super().get_urls(),
        ]

    def commune_coordinates_view(self, request):
        """{code, name, lat, lng} of the commune `?code=` (the map's default point)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        code = request.GET.get("code", "")[:5]
        commune = (
            Commune.objects.filter(pk=code, latitude__isnull=False, longitude__isnull=False)
            .only("code", "name", "latitude", "longitude")
            .first()
        )
        if commune is None:
            return JsonResponse(
                {"error": gettext("Unknown commune, or a commune without coordinates.")},
                status=404,
            )
        return JsonResponse(
            {
                "code": commune.code,
                "name": commune.name,
                "lat": float(commune.latitude),
                "lng": float(commune.longitude),
            }
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "longitude":
            kwargs["widget"] = SeatMapWidget(
                coordinates_url=reverse(f"{self.admin_site.name}:{self._coordinates_url_name()}")
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)
