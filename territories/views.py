"""`/lieux.json`: the place field's autocomplete."""

from django.http import JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from . import places

# The geography changes only when the official files are reloaded: browsers and the
# proxy may keep an answer for a day.
PLACES_MAX_AGE = 24 * 3600


@require_safe
def place_suggestions(request):
    """`{"query": …, "results": [{kind, kind_label, code, label, value, detail}, …]}`,
    at most ten places for `q` (see territories/places.py). Any text is a question: one
    that names nothing, or that is too long, gets an empty list, never an error."""
    text = places.clean_text(request.GET.get("q", ""))
    if any(ord(char) < 32 or 0xD800 <= ord(char) <= 0xDFFF for char in text):
        text = ""
    results = [place.as_json() for place in places.suggest(text)]
    response = JsonResponse(
        {"query": text, "results": results}, json_dumps_params={"ensure_ascii": False}
    )
    patch_cache_control(response, public=True, max_age=PLACES_MAX_AGE)
    # The kinds' labels follow the visitor's language.
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response
