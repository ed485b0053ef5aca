"""Site-wide views that belong to no domain app."""

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    return render(
        request,
        "robots.txt",
        {"sitemap_url": request.build_absolute_uri(reverse("sitemap"))},
        content_type="text/plain; charset=utf-8",
    )


def healthz(request):
    """Liveness probe, and the benchmark's floor: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers and feed readers ask for /favicon.ico whatever the page says: the PNG
    icon, served by WhiteNoise under its hashed name with a long cache."""
    return HttpResponsePermanentRedirect(static("img/favicon.png"))
