"""Form widgets of the poles app."""

from django import forms
from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext as _

# django-leaflet's files (no GeoDjango: only its static files are used).
LEAFLET_CSS = "leaflet/leaflet.css"
LEAFLET_JS = "leaflet/leaflet.js"


def tile_layer_config() -> dict:
    """The first tile layer of settings.LEAFLET_CONFIG, as Leaflet's `L.tileLayer` takes it."""
    config = getattr(settings, "LEAFLET_CONFIG", {})
    tiles = config.get("TILES") or [
        ("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", {})
    ]
    _name, url, options = tiles[0]
    return {"url": url, "options": dict(options)}


class SeatMapWidget(forms.NumberInput):
    """The longitude input, followed by a small map to place the seat.

    The map edits the latitude and longitude inputs, which stay the real fields: they
    keep working with the keyboard and without JavaScript (the map block is hidden
    until the script runs). Choosing a seat commune puts the point at the commune when
    the coordinates are empty; a button does it on request.
    """

    template_name = "poles/widgets/seat_map.html"

    def __init__(
        self,
        *,
        coordinates_url: str,
        latitude_id: str = "id_latitude",
        commune_id: str = "id_seat_commune",
        attrs=None,
    ):
        super().__init__(attrs)
        self.coordinates_url = coordinates_url
        self.latitude_id = latitude_id
        self.commune_id = commune_id

    @property
    def media(self):
        return forms.Media(
            css={"all": [LEAFLET_CSS, "poles/css/admin_seat_map.css"]},
            js=[LEAFLET_JS, "poles/js/admin_seat_map.js"],
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        leaflet = getattr(settings, "LEAFLET_CONFIG", {})
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["seat_map_id"] = f"{widget_id}_seat_map"
        context["seat_map_config_id"] = f"{widget_id}_seat_map_config"
        context["seat_map_config"] = {
            "latitudeInput": self.latitude_id,
            "longitudeInput": widget_id,
            "communeInput": self.commune_id,
            "communeUrl": self.coordinates_url,
            "tiles": tile_layer_config(),
            "center": list(leaflet.get("DEFAULT_CENTER", (46.6, 2.4))),
            "zoom": leaflet.get("DEFAULT_ZOOM", 5),
            "placeZoom": 13,
            # Explicit URLs: with hashed static files Leaflet cannot guess its icon path.
            "icon": {
                "iconUrl": static("leaflet/images/marker-icon.png"),
                "iconRetinaUrl": static("leaflet/images/marker-icon-2x.png"),
                "shadowUrl": static("leaflet/images/marker-shadow.png"),
            },
            "messages": {
                "marker": _("Seat of the pole (drag to move)"),
                "noCommune": _("Choose a seat commune first."),
                "unknownCommune": _("The coordinates of this commune are not known."),
                "placedAtCommune": _("The seat is placed at the centre of %(commune)s."),
                "moved": _("Seat moved to %(lat)s, %(lng)s."),
                "error": _("The commune's coordinates could not be loaded."),
            },
        }
        return context
