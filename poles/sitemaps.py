"""sitemap.xml: the public pages a search engine should know."""

from django.contrib.sitemaps import Sitemap
from django.urls import NoReverseMatch, reverse

from territories.models import Departement, Region

from .models import Pole, Sector


class StaticPagesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        names = ["poles:home", "poles:list", "poles:territories", "poles:sectors"]
        items = []
        for name in names:
            try:
                reverse(name)
            except NoReverseMatch:  # a page not built yet
                continue
            items.append(name)
        return items

    def location(self, item):
        return reverse(item)


class PoleSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Pole.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, pole):
        return pole.updated_at


class RegionSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Region.objects.order_by("code")


class DepartementSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Departement.objects.select_related("region").order_by("code")


class SectorSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Sector.objects.order_by("position", "slug")


sitemaps = {
    "pages": StaticPagesSitemap,
    "poles": PoleSitemap,
    "regions": RegionSitemap,
    "departements": DepartementSitemap,
    "sectors": SectorSitemap,
}
