"""Template helpers for open data: links that carry the current filters (downloads,
the embed snippet, the map feed)."""

from django import template
from django.urls import reverse

register = template.Library()

# Parameters that belong to one page of the directory, not to the selection of poles.
PAGE_ONLY_PARAMETERS = ("page", "partial")


def filter_query(request, *, drop=()) -> str:
    """The request's filters as a query string, without the page-only parameters.
    Computed once per request and `drop` (the directory's links ask for it six
    times)."""
    if request is None:
        return ""
    drop = tuple(drop)
    queries = request.__dict__.setdefault("_ptce_filter_queries", {})
    if drop not in queries:
        if not request.GET:
            queries[drop] = ""
        else:
            params = request.GET.copy()
            for name in (*PAGE_ONLY_PARAMETERS, *drop):
                params.pop(name, None)
            queries[drop] = params.urlencode()
    return queries[drop]


@register.simple_tag(takes_context=True)
def filtered_url(
    context, url_name: str, absolute: bool = False, drop: str = "", first: str = ""
) -> str:
    """`url_name`'s path with the current filters, e.g. the CSV of what the list shows.
    `drop`: comma-separated parameters to leave out (the sort, for a map); `first`: a
    fixed `name=value` put before the filters (`champs=tout`)."""
    request = context.get("request")
    url = reverse(url_name)
    names = [name for name in drop.split(",") if name]
    if first:
        names.append(first.split("=", 1)[0])
    query = "&".join(part for part in (first, filter_query(request, drop=names)) if part)
    if query:
        url = f"{url}?{query}"
    if absolute and request is not None:
        url = request.build_absolute_uri(url)
    return url
