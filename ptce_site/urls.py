from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from poles.sitemaps import sitemaps

from .views import healthz, robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # The language switch of every public page posts here without a CSRF token, so
    # that the pages stay cacheable (docs/caching.md). A forged request could only
    # change a visitor's language: nothing to protect.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("", include("observatory.urls")),
    # Before the poles' URLs: /poles/structures.csv would otherwise read as a pole's slug.
    path("", include("opendata.urls")),
    path("", include("poles.urls")),
    path("", include("territories.urls")),
    path("", include("suggestions.urls")),
    path("", include("pages.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
