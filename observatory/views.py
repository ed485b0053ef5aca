from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from caching import canonical_query
from opendata.views import csv_filename, unknown_csv_format_response
from poles import selectors as pole_selectors
from poles.errors import invalid_filters_response
from spreadsheets.cells import csv_dialect_for

from . import selectors
from .facts import Facts


def index(request):
    """/statistiques/: every indicator over the poles the directory's filters select.

    Invalid filters show the form's errors and no indicator (never figures computed
    on a silently widened selection). The page's content (the form, the charts, the
    tables) is rendered once per data version, language, query string and day
    (`versioned()`): rendering the eleven indicators costs more than reading their
    numbers."""
    filterset = pole_selectors.directory_filterset(request.GET)
    valid = filterset.is_valid()
    query = request.GET.copy()
    for name in ("page", "partial", "tri"):
        query.pop(name, None)
    computed_on = timezone.localdate()
    facts = Facts(filterset.qs) if valid else None

    def content():
        return render_to_string(
            "observatory/_content.html",
            {
                "filterset": filterset,
                "form": filterset.form,
                "indicators": selectors.indicators(facts=facts) if valid else [],
                "national_facts": selectors.national_facts(),
                "query": query.urlencode(),
                "computed_on": computed_on,
            },
            request,
        )

    if facts is None:
        html = content()
    else:
        page = f"page:{computed_on.isoformat()}:{canonical_query(request.GET)}"
        html = facts.cached(page, content, per_language=True)
    return render(request, "observatory/index.html", {"content": html})


def indicator_csv(request, indicator):
    """One indicator's numbers as CSV (same filters as the page)."""
    if indicator not in selectors.INDICATORS:
        raise Http404
    try:
        dialect = csv_dialect_for(request.GET.get("format"))
    except ValueError:
        return unknown_csv_format_response()
    filterset = pole_selectors.directory_filterset(request.GET)
    if not filterset.is_valid():
        return invalid_filters_response(filterset)
    result = selectors.indicator(indicator, filterset.qs)
    response = HttpResponse(content_type="text/csv; charset=utf-8; header=present")
    response["Content-Disposition"] = (
        f'attachment; filename="{csv_filename(f"{indicator}.csv", dialect)}"'
    )
    response.write(dialect.preamble)
    writer = dialect.writer(response)
    writer.writerow([column.key for column in result.csv_columns])
    for row in result.rows:
        writer.writerow([dialect.cell(row.get(column.key)) for column in result.csv_columns])
    return response
