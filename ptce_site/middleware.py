"""Site-wide response headers."""

from django.utils.cache import patch_vary_headers


class FrameAncestorsMiddleware:
    """`Content-Security-Policy: frame-ancestors 'none'` on every response that sets no
    policy of its own: the modern equivalent of `X-Frame-Options: DENY`, which
    browsers honouring CSP apply instead of it. A view that may be framed (the
    embeddable map) sets its own policy and is marked `xframe_options_exempt`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and not getattr(
            response, "xframe_options_exempt", False
        ):
            response["Content-Security-Policy"] = "frame-ancestors 'none'"
        return response


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
