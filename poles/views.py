from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.generic import DetailView

from territories.models import Departement, Region

from . import selectors
from .models import Sector


def home(request):
    return render(request, "poles/home.html", {"poles": selectors.home_poles()})


class PoleDetailView(DetailView):
    template_name = "poles/pole_detail.html"
    context_object_name = "pole"

    def get_queryset(self):
        return selectors.pole_detail_queryset()


def region_detail(request, region_slug):
    region = get_object_or_404(Region, slug=region_slug)
    poles = selectors.home_poles().filter(seat_commune__departement__region=region)
    return render(request, "poles/territory.html", {"territory": region, "poles": poles})


def departement_detail(request, region_slug, departement_slug):
    departement = get_object_or_404(
        Departement.objects.select_related("region"), slug=departement_slug
    )
    if departement.region.slug != region_slug:
        raise Http404
    poles = selectors.home_poles().filter(seat_commune__departement=departement)
    return render(request, "poles/territory.html", {"territory": departement, "poles": poles})


def sector_detail(request, slug):
    sector = get_object_or_404(Sector, slug=slug)
    poles = selectors.home_poles().filter(sectors=sector)
    return render(request, "poles/territory.html", {"territory": sector, "poles": poles})
