"""Site-wide middleware: response headers, read-only views, hostile form values."""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils.cache import patch_vary_headers

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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


class NulCharacter(SuspiciousOperation):
    """A form value holding a NUL character: no form of the site can store one."""


class RejectNulInFormsMiddleware:
    """A form submitted to the admin (`application/x-www-form-urlencoded` or multipart)
    with a NUL character in any value is refused with 400 before any view reads it.

    No field of the site may hold one (PostgreSQL's text types cannot store it), and
    several widgets fail on one rather than report it: Django's admin autocomplete
    redraws a submitted id as an integer, and a commune code with a NUL reaches a
    lookup PostgreSQL refuses. The query strings of the public pages are checked by
    their forms, which say so in the page; JSON bodies by the API's own parsing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.content_type not in FORM_CONTENT_TYPES:
            return None
        if request.resolver_match.namespace != "admin":
            # The public forms (suggestions) say so in the page, next to the field.
            return None
        for _name, values in request.POST.lists():
            if any("\x00" in value for value in values):
                raise NulCharacter("NUL character in a form value")
        return None
