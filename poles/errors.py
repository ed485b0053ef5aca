"""The answer to invalid directory filters in a file or feed that is not a page (CSV
exports, the observatory's CSV files): 400 with a plain-text message naming each
invalid parameter. Pages show the form's errors instead; the GeoJSON feeds answer an
empty FeatureCollection with the same errors as JSON."""

from django.http import HttpResponse
from django.utils.translation import gettext as _


def invalid_filters_response(filterset) -> HttpResponse:
    lines = [_("Invalid filters:")]
    for name, errors in filterset.form.errors.items():
        lines.append(f"{name}: {' '.join(errors)}")
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )
