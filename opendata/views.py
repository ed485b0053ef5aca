"""Open data views: the map feed and GeoJSON export (`/poles.geojson`), the CSV files,
their Table Schema, `/donnees/` and the embeddable map (`/embed/`).

Every one of them reads the directory's own FilterSet, so that the list, the maps and
the files always agree."""

from collections.abc import Callable
from dataclasses import dataclass

from csp.decorators import csp_replace
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import condition

from caching import cache_seconds, canonical_query
from caching.stored import stored_response
from poles import selectors
from poles.errors import invalid_filters_response
from spreadsheets.cells import EXCEL_FORMAT, PLAIN_CSV, csv_dialect_for

from . import exports


def poles_geojson(request):
    """The filtered poles as GeoJSON (RFC 7946), for the maps and for reuse.

    Invalid filters answer 400 with an empty FeatureCollection and an `errors` member
    (the form's errors by parameter), so a client never takes them for "no pole".
    With `?champs=tout`, every column of /poles.csv as properties (`export_geojson`);
    the maps keep these lean properties.
    """
    if "champs" in request.GET:
        return export_geojson(request, export="geojson")
    if not request.GET:
        return _stored_map_feed(request)
    return _map_feed(request)


def map_feed(request):
    """`/poles/carte.json`: the filtered poles for the site's own maps (directory, home,
    territories, embed), in the compact format of `selectors.directory_map_feed` (the
    sectors once, a list per pole): under a third of `/poles.geojson`, which stays the
    documented open data file. Unfiltered, stored once per data stamp and language;
    filtered, with ETag/Last-Modified; invalid filters answer 400 with `errors`."""
    if not request.GET:
        return _stored_map_feed(request, "map-compact")
    return _map_feed(request, "map-compact")


def _stored_map_feed(request, kind="map-feed"):
    """The unfiltered map feed (GeoJSON, or the maps' compact one): written once per
    data stamp and language, then served as stored bytes (caching/stored.py)."""
    feed = MAP_FEEDS[kind]

    def build():
        filterset = selectors.directory_filterset({})
        filterset.is_valid()
        yield feed.write(filterset).encode()

    return stored_response(
        request,
        kind,
        build,
        content_type=feed.content_type,
        parts=(get_language() or "",),
        streamed=False,
    )


GEOJSON_CONTENT_TYPE = "application/geo+json"
MAP_FEED_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class MapFeed:
    write: Callable  # the filterset -> the body's text
    content_type: str
    empty: dict  # the body of an answer to invalid filters, besides `errors`
    etag_name: str


MAP_FEEDS = {
    "map-feed": MapFeed(
        selectors.directory_geojson,
        GEOJSON_CONTENT_TYPE,
        {"type": "FeatureCollection", "features": [], "poles_without_position": 0},
        "map",
    ),
    "map-compact": MapFeed(
        selectors.directory_map_feed,
        MAP_FEED_CONTENT_TYPE,
        {"format": selectors.MAP_FEED_FORMAT, "poles": [], "poles_without_position": 0},
        "map-compact",
    ),
}


def _map_feed_etag(request, kind="map-feed"):
    # With the page cache on, the cache validates the feed itself (docs/caching.md).
    if cache_seconds():
        return None
    _filterset, fresh = _export_state(request, "map")
    if fresh is None:
        return None
    # The sectors' names follow the visitor's language.
    return fresh.etag(MAP_FEEDS[kind].etag_name, get_language() or "", canonical_query(request.GET))


def _map_feed_last_modified(request, kind="map-feed"):
    if cache_seconds():
        return None
    return _export_last_modified(request, "map")


@condition(etag_func=_map_feed_etag, last_modified_func=_map_feed_last_modified)
def _map_feed(request, kind="map-feed"):
    feed = MAP_FEEDS[kind]
    # The filters were already bound and validated when the validators were computed.
    computed = request.__dict__.get("_ptce_exports", {}).get("map")
    filterset = computed[0] if computed else selectors.directory_filterset(request.GET)
    if not filterset.is_valid():
        return JsonResponse(
            {**feed.empty, "errors": filterset.form.errors.get_json_data()},
            status=400,
            content_type=feed.content_type,
            json_dumps_params={"ensure_ascii": False},
        )
    # Already JSON text: the selector writes it pole by pole, faster than JsonResponse's
    # encoder over a dict per pole.
    return HttpResponse(feed.write(filterset), content_type=feed.content_type)


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


def _export_etag(request, export, *_args):
    _filterset, fresh = _export_state(request, export)
    if fresh is None:
        return None
    # The `url` column is absolute: the scheme and host are part of the representation.
    return fresh.etag(export, request.build_absolute_uri("/"), canonical_query(request.GET))


def _export_last_modified(request, export, *_args):
    _filterset, fresh = _export_state(request, export)
    return fresh.last_modified if fresh else None


CSV_CONTENT_TYPE = "text/csv; charset=utf-8; header=present"


def export_csv(request, export):
    """`/poles.csv` and `/poles/structures.csv`: the filtered poles (or their member
    structures) as CSV, with ETag/Last-Modified. The whole table (no filter) is stored
    once per data stamp and dialect and served as bytes; a filtered one is streamed.
    `?format=excel`: the same file for French Excel (BOM, `;`, decimal commas)."""
    try:
        dialect = csv_dialect_for(request.GET.get("format"))
    except ValueError:
        return unknown_csv_format_response()
    if not any(name != "format" for name in request.GET):
        return _stored_csv(request, export, dialect)
    return _filtered_csv(request, export, dialect)


def _stored_csv(request, export, dialect):
    table = exports.EXPORTS[export]
    base_url = request.build_absolute_uri("/").rstrip("/")

    def build():
        filterset = selectors.directory_filterset({})
        filterset.is_valid()
        lines = exports.csv_lines(
            table.columns, table.rows(filterset.qs), dialect=dialect, base_url=base_url
        )
        return (line.encode() for line in lines)

    return stored_response(
        request,
        f"{export}-csv",
        build,
        content_type=CSV_CONTENT_TYPE,
        # The `url` column is absolute: the scheme and host are part of the body.
        parts=(base_url, dialect.slug),
        filename=csv_filename(table.filename, dialect),
    )


@condition(etag_func=_export_etag, last_modified_func=_export_last_modified)
def _filtered_csv(request, export, dialect):
    filterset, _fresh = _export_state(request, export)
    if not filterset.is_valid():
        return invalid_filters_response(filterset)
    table = exports.EXPORTS[export]
    lines = exports.csv_lines(
        table.columns,
        table.rows(filterset.qs),
        dialect=dialect,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    response = StreamingHttpResponse(
        (line.encode() for line in lines), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{csv_filename(table.filename, dialect)}"'
    )
    return response


def csv_filename(filename: str, dialect) -> str:
    """poles.csv, or poles-excel.csv for the Excel variant (both may sit in one folder)."""
    if dialect is PLAIN_CSV:
        return filename
    stem, _dot, extension = filename.rpartition(".")
    return f"{stem}-{EXCEL_FORMAT}.{extension}"


def unknown_csv_format_response() -> HttpResponse:
    return HttpResponse(
        _("Unknown format: leave it out for the plain CSV file, or use format=%(value)s.")
        % {"value": EXCEL_FORMAT}
        + "\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


# `/poles.geojson?champs=tout`: the same filtered poles with every column of the CSV as
# properties (the map's default feed keeps lean properties).
GEOJSON_FULL_FIELDS = "tout"


def export_geojson(request, export):
    """The filtered poles as GeoJSON with the CSV's columns as properties: all of them
    (`?champs=tout` alone) stored once per data stamp like the CSV files, filtered ones
    streamed with ETag/Last-Modified."""
    if list(request.GET.lists()) == [("champs", [GEOJSON_FULL_FIELDS])]:
        base_url = request.build_absolute_uri("/").rstrip("/")

        def build():
            filterset = selectors.directory_filterset({})
            filterset.is_valid()
            chunks = exports.geojson_chunks(filterset.qs, base_url=base_url)
            return (chunk.encode() for chunk in chunks)

        return stored_response(
            request,
            "geojson-full",
            build,
            content_type=GEOJSON_CONTENT_TYPE,
            parts=(base_url,),
        )
    return _filtered_geojson(request, export)


@condition(etag_func=_export_etag, last_modified_func=_export_last_modified)
def _filtered_geojson(request, export):
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
        "opendata/open_data.html",
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
        "opendata/embed.html",
        {"form": filterset.form, "filters_valid": filterset.is_valid()},
    )
