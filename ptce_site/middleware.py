"""Site-wide response headers."""

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils.cache import patch_vary_headers

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


class ReadOnlyViewsMiddleware:
    """The public site's views only read: `GET` and `HEAD` reach them; `OPTIONS` gets
    `200` with `Allow` and no body; any other method (`POST`, `PUT`, `DELETE`,
    `PATCH`, `TRACE`…) gets `405 Method Not Allowed` with `Allow`.

    Which views: those of the URL namespaces `READ_ONLY_URL_NAMESPACES` and the views
    named in `READ_ONLY_URL_NAMES`. Placed before CsrfViewMiddleware, whose check
    would otherwise answer an unsafe method with a misleading 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD"):
            return None
        match = request.resolver_match
        if not (
            match.namespace in settings.READ_ONLY_URL_NAMESPACES
            or match.view_name in settings.READ_ONLY_URL_NAMES
        ):
            return None
        if request.method == "OPTIONS":
            response = HttpResponse(content_type="text/plain; charset=utf-8")
            response["Allow"] = ", ".join(READ_ONLY_METHODS)
            response["Content-Length"] = "0"
            return response
        return HttpResponseNotAllowed(READ_ONLY_METHODS)


class LanguageCookieVaryMiddleware:
    """`Vary: Cookie` on every response: the language comes from the `django_language`
    cookie before `Accept-Language` (which LocaleMiddleware already puts in Vary), so a
    browser or proxy cache must not serve a page in the other language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response
