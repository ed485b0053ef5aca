import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from poles import selectors as pole_selectors
from poles.exports import csv_cell

from . import selectors


def index(request):
    """/statistiques/: every indicator over the poles the directory's filters select.

    Invalid filters show the form's errors and no indicator (never figures computed
    on a silently widened selection)."""
    filterset = pole_selectors.directory_filterset(request.GET)
    valid = filterset.is_valid()
    query = request.GET.copy()
    for name in ("page", "partial", "tri"):
        query.pop(name, None)
    return render(
        request,
        "observatory/index.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "indicators": selectors.indicators(filterset.qs) if valid else [],
            "query": query.urlencode(),
            "computed_on": timezone.localdate(),
        },
    )


def indicator_csv(request, indicator):
    """One indicator's numbers as CSV (same filters as the page)."""
    if indicator not in selectors.INDICATORS:
        raise Http404
    filterset = pole_selectors.directory_filterset(request.GET)
    if not filterset.is_valid():
        return HttpResponse(
            _("Invalid filters: %(errors)s")
            % {"errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    result = selectors.indicator(indicator, filterset.qs)
    response = HttpResponse(content_type="text/csv; charset=utf-8; header=present")
    response["Content-Disposition"] = f'attachment; filename="{indicator}.csv"'
    writer = csv.writer(response)
    writer.writerow([column.key for column in result.csv_columns])
    for row in result.rows:
        writer.writerow([csv_cell(row.get(column.key)) for column in result.csv_columns])
    return response
