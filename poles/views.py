from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.generic import DetailView

from territories.models import Departement, Region

from . import selectors
from .charts import year_chart
from .filters import SORT_CHOICES
from .models import Sector
from .pagination import counted_page_of, page_of, requested_page


def home(request):
    return render(request, "poles/home.html", selectors.home_page())


DIRECTORY_PAGE_SIZE = 20
# Territory and sector pages list their poles by pages too: a région can hold hundreds.
TERRITORY_PAGE_SIZE = 50


def _without(params, *names) -> str:
    params = params.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def pole_list(request):
    """The directory: filter form, results list and map.

    Asked with `X-Requested-With: fetch` (or `?partial=1`), only the results are
    rendered: static/poles/js/directory.js swaps them in as filters change.
    """
    filterset = selectors.directory_filterset(request.GET)
    ids = selectors.directory_pole_ids(filterset)
    # The page carries the count of its list: one query (pagination.counted_page_of).
    page, page_message = counted_page_of(
        ids,
        request.GET.get("page"),
        DIRECTORY_PAGE_SIZE,
        ranked=selectors.directory_ranked(filterset),
    )
    page.object_list = selectors.directory_rows(
        list(page.object_list), filterset.sector_labels, origin=filterset.origin
    )
    query = _without(request.GET, "page", "partial")
    feed_url = reverse("opendata:map_feed") + (f"?{query}" if query else "")
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
            "feed_url": feed_url,
            "search": filterset.form.cleaned_data.get("q", "") if filterset.is_valid() else "",
            "sort_links": SORT_CHOICES,
            # Chips, and which filter to drop when none matches.
            **selectors.directory_summary(filterset, page.paginator.count),
            "departement_options": "" if partial else filterset.departement_options(),
        },
    )
    patch_vary_headers(response, ["X-Requested-With"])
    return response


class PoleDetailView(DetailView):
    template_name = "poles/pole_detail.html"
    context_object_name = "pole"

    def get_queryset(self):
        return selectors.pole_detail_queryset()

    def get_object(self, queryset=None):
        # `get_queryset().get(slug=…)`, without building and compiling the query at
        # every visit (selectors.pole_for_page).
        pole = selectors.pole_for_page(self.kwargs["slug"])
        if pole is None:
            raise Http404
        return pole

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
                for chart in (year_chart(figures, "etp"), year_chart(figures, "turnover"))
                if chart
            ],
        )
        return context

    def _member_page(self, pole) -> dict:
        """The requested page of member structures (counted by `membership_count`, so
        paginating costs no query), or the nearest page with a message for a wrong page
        number."""
        paginator = Paginator(range(pole.membership_count), selectors.MEMBERS_PAGE_SIZE)
        number, message = requested_page(self.request.GET.get("page"), paginator.num_pages)
        offset = (number - 1) * selectors.MEMBERS_PAGE_SIZE
        memberships = selectors.pole_memberships(pole, offset=offset) if paginator.count else []
        return {
            "member_page": Page(memberships, number, paginator),
            "member_page_message": message,
        }


def _territory_context(request, poles, **filters) -> dict:
    """A territory's or a sector's figures (all its poles) and one page of its poles;
    `filters`: the directory's filters that select the same poles (its map's feed, the
    link to the directory)."""
    ids, figures = selectors.territory_poles(poles)
    page, page_message = page_of(ids, request.GET.get("page"), TERRITORY_PAGE_SIZE)
    page.object_list = selectors.pole_cards(page.object_list)
    feed_query = urlencode(filters)
    return {
        "figures": figures,
        "page_obj": page,
        "poles": page.object_list,
        "pole_count": page.paginator.count,
        "page_message": page_message,
        "feed_query": feed_query,
        "feed_url": f"{reverse('opendata:map_feed')}?{feed_query}",
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
    context = _territory_context(request, selectors.poles_in_region(region), region=region.code)
    context.update(territory=region, kind="region")
    return render(request, "poles/territory.html", context)


def departement_detail(request, region_slug, departement_slug):
    departement = get_object_or_404(
        Departement.objects.select_related("region"), slug=departement_slug
    )
    if departement.region.slug != region_slug:
        raise Http404
    context = _territory_context(
        request, selectors.poles_in_departement(departement), departement=departement.code
    )
    context.update(territory=departement, region=departement.region, kind="departement")
    return render(request, "poles/territory.html", context)


def sector_index(request):
    return render(request, "poles/sector_index.html", {"sectors": selectors.sectors_with_counts()})


def sector_detail(request, slug):
    sector = get_object_or_404(Sector, slug=slug)
    context = _territory_context(request, selectors.poles_in_sector(sector), secteur=sector.slug)
    context.update(territory=sector, kind="sector")
    return render(request, "poles/territory.html", context)
