"""sitemap.xml: the public pages a search engine should know."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import NoReverseMatch, reverse

from territories.models import Departement, Region

from .models import Pole, Sector


class StaticPagesSitemap(Sitemap):
    """The directory's fixed pages; each shows every published pole (or computes on
    them), so the latest update of a published pole is their last modification."""

    changefreq = "weekly"

    def items(self):
        names = [
            "poles:home",
            "poles:list",
            "poles:territories",
            "poles:sectors",
            "observatory:index",
            "opendata:data",
        ]
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

    def lastmod(self, item):
        if not hasattr(self, "_latest_update"):  # one query for every page
            self._latest_update = Pole.objects.published().aggregate(latest=Max("updated_at"))[
                "latest"
            ]
        return self._latest_update


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
        # A sector's page lists its published poles: its last modification is theirs.
        return Sector.objects.annotate(
            latest_update=Max("poles__updated_at", filter=Q(poles__is_published=True))
        ).order_by("position", "slug")

    def lastmod(self, sector):
        return sector.latest_update


sitemaps = {
    "pages": StaticPagesSitemap,
    "poles": PoleSitemap,
    "regions": RegionSitemap,
    "departements": DepartementSitemap,
    "sectors": SectorSitemap,
}
