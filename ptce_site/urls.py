from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from api import problems as api_problems
from poles.sitemaps import sitemaps

from .views import favicon, healthz, robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("favicon.ico", favicon, name="favicon"),
    # The language switch of every public page posts here without a CSRF token, so
    # that the pages stay cacheable (docs/caching.md). A forged request could only
    # change a visitor's language: nothing to protect.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("api/", include("api.urls")),
    path("", include("observatory.urls")),
    # Before the poles' URLs: /poles/structures.csv would otherwise read as a pole's slug.
    path("", include("opendata.urls")),
    path("", include("poles.urls")),
    path("", include("territories.urls")),
    path("", include("suggestions.urls")),
    path("", include("pages.urls")),
]


# Django's own errors: problem details under /api/, the site's pages elsewhere.
def handler400(request, exception=None):
    return api_problems.django_handler(request, 400) or defaults.bad_request(request, exception)


def handler404(request, exception=None):
    return api_problems.django_handler(request, 404) or defaults.page_not_found(request, exception)


def handler500(request):
    return api_problems.django_handler(request, 500) or defaults.server_error(request)


if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
