"""INSEE code formats and the bounding boxes of France, metropolitan and overseas."""

import re

from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

REGION_CODE_RE = re.compile(r"^\d{2}$")
# Metropolitan (01-95, 2A/2B for Corsica) and overseas (971-976) départements.
DEPARTEMENT_CODE_RE = re.compile(r"^(\d{2}|2[AB]|97[1-6])$")
COMMUNE_CODE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
SIREN_RE = re.compile(r"^\d{9}$")

# (south, north, west, east) boxes, a little wider than the land so that a seat
# on the coast or an island is accepted. Collectivités d'outre-mer are not covered
# by the official geography the directory loads.
FRANCE_BOUNDING_BOXES = {
    "metropole": (41.2, 51.2, -5.3, 9.7),
    "guadeloupe": (15.8, 16.6, -61.9, -60.9),
    "martinique": (14.3, 14.95, -61.3, -60.75),
    "guyane": (2.0, 5.9, -54.7, -51.5),
    "la-reunion": (-21.45, -20.8, 55.15, 55.9),
    "mayotte": (-13.1, -12.55, 44.95, 45.35),
}


validate_region_code = RegexValidator(
    REGION_CODE_RE, _("Enter an INSEE région code (two digits, e.g. 32).")
)
validate_departement_code = RegexValidator(
    DEPARTEMENT_CODE_RE, _("Enter an INSEE département code (e.g. 60, 2A or 974).")
)
validate_commune_code = RegexValidator(
    COMMUNE_CODE_RE, _("Enter an INSEE commune code (five characters, e.g. 60333 or 2A004).")
)
validate_siren = RegexValidator(SIREN_RE, _("Enter a SIREN number (nine digits)."))


def is_in_france(latitude, longitude) -> bool:
    lat, lng = float(latitude), float(longitude)
    return any(
        south <= lat <= north and west <= lng <= east
        for south, north, west, east in FRANCE_BOUNDING_BOXES.values()
    )


def coordinates_in_france_q(lat_field="latitude", lng_field="longitude") -> Q:
    """The same rule as `is_in_france`, for a database CheckConstraint."""
    inside = Q()
    for south, north, west, east in FRANCE_BOUNDING_BOXES.values():
        inside |= Q(
            **{
                # Explicit non-null tests: in SQL a CHECK on NULL passes, so a
                # latitude without its longitude would otherwise slip through.
                f"{lat_field}__isnull": False,
                f"{lng_field}__isnull": False,
                f"{lat_field}__gte": south,
                f"{lat_field}__lte": north,
                f"{lng_field}__gte": west,
                f"{lng_field}__lte": east,
            }
        )
    both_empty = Q(**{f"{lat_field}__isnull": True, f"{lng_field}__isnull": True})
    return both_empty | inside
