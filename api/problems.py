"""Errors as RFC 9457 problem details (`application/problem+json`).

Every error of the API has the same shape: `type` (a URI naming the kind of problem;
`about:blank` when the HTTP status says it all), `title` (the kind's short summary),
`status`, `detail` (this occurrence), `instance` (the request's path and query) and,
for invalid input, `errors` (the messages per parameter or field). DRF's exceptions
go through `exception_handler` (settings: REST_FRAMEWORK["EXCEPTION_HANDLER"]);
Django's own 404, 400 and 500 under /api/ (an unknown URL, a bad Host header, a
crash) go through `django_handler`, which ptce_site's error handlers call.
"""

import json
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"
# The kinds of problem the API documents (docs/api.md): their `type` URIs are anchors
# of the API's documentation page.
INVALID_PARAMETERS = "invalid-parameters"
RATE_LIMITED = "rate-limited"
PRECONDITION_FAILED = "precondition-failed"


class NotModified(exceptions.APIException):
    """The client's copy is current (`If-None-Match`): answered 304 with its tag."""

    status_code = 304

    def __init__(self, etag: str):
        super().__init__(detail="")
        self.etag = etag


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _type_uri(request, kind: str | None) -> str:
    if kind is None:
        return "about:blank"
    return request.build_absolute_uri(f"/api/v1/docs/#problem-{kind}")


def problem(request, status: int, *, detail: str = "", kind: str | None = None, **extra) -> dict:
    """The problem document of an error `status` for `request`."""
    titles = {
        INVALID_PARAMETERS: _("Invalid parameters"),
        RATE_LIMITED: _("Too many requests"),
        PRECONDITION_FAILED: _("Precondition failed"),
    }
    body = {
        "type": _type_uri(request, kind),
        "title": titles.get(kind) or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
        "instance": request.get_full_path(),
    }
    body.update(extra)
    return body


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list | tuple):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


def _field_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            ("non_field_errors" if name == "__all__" else str(name)): _messages(value)
            for name, value in detail.items()
        }
    return {"non_field_errors": _messages(detail)}


def _as_api_exception(exc):
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _headers(exc) -> dict[str, str]:
    headers = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    return headers


def exception_handler(exc, context):
    """DRF's exceptions (and Django's 404 and permission errors) as problem details;
    anything else is left to Django (a 500, answered by `django_handler`)."""
    request = context["request"]
    if isinstance(exc, NotModified):
        return Response(status=304, headers={"ETag": exc.etag})
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    extra = {}
    kind = {429: RATE_LIMITED, 412: PRECONDITION_FAILED}.get(exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        kind = INVALID_PARAMETERS
        extra["errors"] = _field_errors(exc.detail)
        detail = _("Some parameters are invalid: see errors.")
    else:
        detail = " ".join(_messages(exc.detail))
    set_rollback()
    body = problem(request, exc.status_code, detail=detail, kind=kind, **extra)
    return Response(body, status=exc.status_code, headers=_headers(exc), content_type=CONTENT_TYPE)


def problem_response(request, status: int, **kwargs) -> HttpResponse:
    """A problem outside DRF's views (Django's error handlers, unknown API URLs)."""
    body = problem(request, status, **kwargs)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=CONTENT_TYPE,
    )


def not_found(request, *args, **kwargs):
    """Any URL under /api/ that names no endpoint."""
    return problem_response(request, 404, detail=_("No API endpoint at this address."))


def django_handler(request, status: int) -> HttpResponse | None:
    """The problem for Django's own error `status` under /api/, or None elsewhere (the
    site's HTML error pages)."""
    if not is_api_request(request):
        return None
    return problem_response(request, status)
