from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import condition
from django.views.generic import DetailView

from caching import cache_seconds, canonical_query
from territories.models import Departement, Region

from . import exports, selectors
from .charts import bar_chart
from .filters import SORT_CHOICES
from .models import Sector


def home(request):
    return render(request, "poles/home.html", selectors.home_page())


DIRECTORY_PAGE_SIZE = 20
# Territory and sector pages list their poles by pages too: a région can hold hundreds.
TERRITORY_PAGE_SIZE = 50


def _directory_page(queryset, number, *, per_page=DIRECTORY_PAGE_SIZE):
    """The requested page, or the nearest one with a message: a shared or hand-edited
    link with a wrong page number still shows results, never an error page."""
    paginator = Paginator(queryset, per_page)
    if number in (None, ""):
        return paginator.page(1), ""
    if number.isascii() and number.isdigit() and len(number) > 9:
        number = paginator.num_pages + 1  # beyond any page (and beyond int()'s digit limit)
    try:
        # ASCII digits only: int() would also read "٣" or "³" as a number.
        if isinstance(number, str) and not number.isascii():
            raise ValueError(number)
        number = int(number)
    except (TypeError, ValueError):
        return paginator.page(1), _("This page number is not valid: here is the first page.")
    if number < 1:
        return paginator.page(1), _("This page number is not valid: here is the first page.")
    if number > paginator.num_pages:
        return paginator.page(paginator.num_pages), _(
            "There are fewer pages of results: here is the last one."
        )
    return paginator.page(number), ""


def _without(params, *names) -> str:
    params = params.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def pole_list(request):
    """The directory: filter form, results list and map (SPEC §3).

    Asked with `X-Requested-With: fetch` (or `?partial=1`), only the results are
    rendered: static/poles/js/directory.js swaps them in as filters change.
    """
    filterset = selectors.directory_filterset(request.GET)
    page, page_message = _directory_page(
        selectors.directory_pole_ids(filterset), request.GET.get("page")
    )
    page.object_list = selectors.directory_rows(page.object_list, filterset.sector_labels)
    query = _without(request.GET, "page", "partial")
    geojson_url = reverse("poles:geojson") + (f"?{query}" if query else "")
    partial = request.headers.get("X-Requested-With") == "fetch" or "partial" in request.GET
    response = render(
        request,
        "poles/_results.html" if partial else "poles/pole_list.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page_obj": page,
            "poles": page.object_list,
            "page_message": page_message,
            "geojson_url": geojson_url,
            "search": filterset.form.cleaned_data.get("q", "") if filterset.is_valid() else "",
            "sort_links": SORT_CHOICES,
        },
    )
    patch_vary_headers(response, ["X-Requested-With"])
    return response


def poles_geojson(request):
    """The filtered poles as GeoJSON (RFC 7946), for the maps and for reuse.

    Invalid filters answer 400 with an empty FeatureCollection and an `errors` member
    (the form's errors by parameter), so a client never takes them for "no pole".
    With `?champs=tout`, every column of /poles.csv as properties (`export_geojson`);
    the maps keep these lean properties.
    """
    if "champs" in request.GET:
        return export_geojson(request, export="geojson")
    return _map_feed(request)


def _map_feed_etag(request):
    # With the page cache on, the cache validates the feed itself (docs/caching.md).
    if cache_seconds():
        return None
    _filterset, fresh = _export_state(request, "map")
    if fresh is None:
        return None
    # The sectors' names follow the visitor's language.
    return fresh.etag("map", get_language() or "", canonical_query(request.GET))


def _map_feed_last_modified(request):
    if cache_seconds():
        return None
    return _export_last_modified(request, "map")


@condition(etag_func=_map_feed_etag, last_modified_func=_map_feed_last_modified)
def _map_feed(request):
    # The filters were already bound and validated when the validators were computed.
    computed = request.__dict__.get("_ptce_exports", {}).get("map")
    filterset = computed[0] if computed else selectors.directory_filterset(request.GET)
    if not filterset.is_valid():
        return JsonResponse(
            {
                "type": "FeatureCollection",
                "features": [],
                "poles_without_position": 0,
                "errors": filterset.form.errors.get_json_data(),
            },
            status=400,
            content_type="application/geo+json",
            json_dumps_params={"ensure_ascii": False},
        )
    # Already JSON text: the selector writes it feature by feature, faster than
    # JsonResponse's encoder over a dict per feature.
    return HttpResponse(selectors.directory_geojson(filterset), content_type="application/geo+json")


class PoleDetailView(DetailView):
    template_name = "poles/pole_detail.html"
    context_object_name = "pole"

    def get_queryset(self):
        return selectors.pole_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pole = self.object
        lists = selectors.pole_lists(pole)
        figures = lists["figures"]
        context.update(
            **lists,
            **self._member_page(pole),
            charts=[
                chart
                for chart in (bar_chart(figures, "etp"), bar_chart(figures, "turnover"))
                if chart
            ],
            cooperators=selectors.cooperator_summary(pole),
        )
        return context

    def _member_page(self, pole) -> dict:
        """The requested page of member structures (counted by `membership_count`, so
        paginating costs no query), or the nearest page with a message for a wrong page
        number."""
        paginator = Paginator(range(pole.membership_count), selectors.MEMBERS_PAGE_SIZE)
        requested = self.request.GET.get("page")
        number = _page_number(requested)
        message = ""
        if requested not in (None, "") and str(number) != requested.strip():
            message = _("This page number is not valid: here is the first page.")
        if number > paginator.num_pages:
            number = paginator.num_pages
            message = _("There are fewer pages of results: here is the last one.")
        offset = (number - 1) * selectors.MEMBERS_PAGE_SIZE
        memberships = selectors.pole_memberships(pole, offset=offset) if paginator.count else []
        return {
            "member_page": Page(memberships, number, paginator),
            "member_page_message": message,
        }


def _page_number(value) -> int:
    """A page number from the query string: 1 unless a positive integer."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or int(value) < 1:
        return 1
    return int(value)


def _territory_context(request, poles) -> dict:
    """A territory's or a sector's figures (all its poles) and one page of its poles."""
    ids, figures = selectors.territory_poles(poles)
    page, page_message = _directory_page(ids, request.GET.get("page"), per_page=TERRITORY_PAGE_SIZE)
    page.object_list = selectors.pole_cards(page.object_list)
    return {
        "figures": figures,
        "page_obj": page,
        "poles": page.object_list,
        "pole_count": page.paginator.count,
        "page_message": page_message,
    }


def territory_index(request):
    return render(request, "poles/territory_index.html", {"regions": selectors.territory_index()})


def region_detail(request, region_slug):
    region = get_object_or_404(
        Region.objects.prefetch_related(
            Prefetch("departements", queryset=Departement.objects.order_by("code"))
        ),
        slug=region_slug,
    )
    context = _territory_context(request, selectors.poles_in_region(region))
    context.update(
        territory=region,
        kind="region",
        geojson_query=urlencode({"region": region.code}),
    )
    return render(request, "poles/territory.html", context)


def departement_detail(request, region_slug, departement_slug):
    departement = get_object_or_404(
        Departement.objects.select_related("region"), slug=departement_slug
    )
    if departement.region.slug != region_slug:
        raise Http404
    context = _territory_context(request, selectors.poles_in_departement(departement))
    context.update(
        territory=departement,
        region=departement.region,
        kind="departement",
        geojson_query=urlencode({"departement": departement.code}),
    )
    return render(request, "poles/territory.html", context)


def sector_index(request):
    return render(request, "poles/sector_index.html", {"sectors": selectors.sectors_with_counts()})


def sector_detail(request, slug):
    sector = get_object_or_404(Sector, slug=slug)
    context = _territory_context(request, selectors.poles_in_sector(sector))
    context.update(
        territory=sector,
        kind="sector",
        geojson_query=urlencode({"secteur": sector.slug}),
    )
    return render(request, "poles/territory.html", context)


# --- Open data (/poles.csv, /poles/structures.csv, /donnees/) and the embeddable map ---------


def _export_state(request, export: str):
    """The bound FilterSet and the export's freshness, computed once per request: the
    conditional-request functions and the view all ask for them."""
    cache = request.__dict__.setdefault("_ptce_exports", {})
    if export not in cache:
        filterset = selectors.directory_filterset(request.GET)
        valid = filterset.is_valid() and (
            export != "geojson" or request.GET.get("champs") == GEOJSON_FULL_FIELDS
        )
        fresh = exports.freshness(export, filterset.qs) if valid else None
        cache[export] = (filterset, fresh)
    return cache[export]


def _export_etag(request, export):
    _filterset, fresh = _export_state(request, export)
    if fresh is None:
        return None
    # The `url` column is absolute: the scheme and host are part of the representation.
    return fresh.etag(export, request.build_absolute_uri("/"), canonical_query(request.GET))


def _export_last_modified(request, export):
    _filterset, fresh = _export_state(request, export)
    return fresh.last_modified if fresh else None


def invalid_filters_response(filterset) -> HttpResponse:
    """400 with a short plain-text message naming each invalid parameter."""
    lines = [_("Invalid filters:")]
    for name, errors in filterset.form.errors.items():
        lines.append(f"{name}: {' '.join(errors)}")
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )


@condition(etag_func=_export_etag, last_modified_func=_export_last_modified)
def export_csv(request, export):
    """`/poles.csv` and `/poles/structures.csv`: the filtered poles (or their member
    structures) streamed as CSV, with ETag/Last-Modified for conditional requests."""
    filterset, _fresh = _export_state(request, export)
    if not filterset.is_valid():
        return invalid_filters_response(filterset)
    table = exports.EXPORTS[export]
    lines = exports.csv_lines(
        table.columns,
        table.rows(filterset.qs),
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    response = StreamingHttpResponse(
        (line.encode() for line in lines), content_type="text/csv; charset=utf-8; header=present"
    )
    response["Content-Disposition"] = f'attachment; filename="{table.filename}"'
    return response


# `/poles.geojson?champs=tout`: the same filtered poles with every column of the CSV as
# properties (the map's default feed keeps lean properties).
GEOJSON_FULL_FIELDS = "tout"


@condition(etag_func=_export_etag, last_modified_func=_export_last_modified)
def export_geojson(request, export):
    """The filtered poles as GeoJSON with the CSV's columns as properties, streamed, with
    ETag/Last-Modified like the CSV files."""
    filterset, _fresh = _export_state(request, export)
    errors = {}
    if request.GET.get("champs") != GEOJSON_FULL_FIELDS:
        errors["champs"] = [
            {
                "message": _("Unknown value: use champs=%(value)s for every field.")
                % {"value": GEOJSON_FULL_FIELDS},
                "code": "invalid_choice",
            }
        ]
    if not filterset.is_valid():
        errors.update(filterset.form.errors.get_json_data())
    if errors:
        # As the map's feed: an empty collection and the errors by parameter.
        return JsonResponse(
            {"type": "FeatureCollection", "features": [], "errors": errors},
            status=400,
            content_type="application/geo+json",
            json_dumps_params={"ensure_ascii": False},
        )
    chunks = exports.geojson_chunks(
        filterset.qs, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    return StreamingHttpResponse(
        (chunk.encode() for chunk in chunks), content_type="application/geo+json"
    )


def export_schema(request, export):
    """The Table Schema (JSON) documenting an export's columns."""
    return JsonResponse(
        exports.EXPORTS[export].schema(), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )


def open_data(request):
    """/donnees/: the licence, the download links for the current filters and every
    column documented from the same Table Schema the JSON files serve."""
    filterset = selectors.directory_filterset(request.GET)
    return render(
        request,
        "poles/open_data.html",
        {
            "form": filterset.form,
            "filters_valid": filterset.is_valid(),
            "licence": exports.LICENCE,
            "tables": [
                {"export": table, "schema": table.schema()} for table in exports.EXPORTS.values()
            ],
        },
    )


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def embed(request):
    """/embed/: the map alone, with the directory's filters, for other sites' iframes.

    The only page other sites may frame (ptce_site.middleware keeps every other page
    unframable); each popup opens the pole's page on the directory in a new tab."""
    filterset = selectors.directory_filterset(request.GET)
    return render(
        request,
        "poles/embed.html",
        {"form": filterset.form, "filters_valid": filterset.is_valid()},
    )
