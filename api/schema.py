"""How the OpenAPI document describes every operation (drf-spectacular).

Beyond what drf-spectacular reads from the views and serializers: the `lang`
parameter, the `ETag` and `Retry-After` headers, the problem responses every read can
give (400, 404, 406, 429), and the directory's filters read from its FilterSet
(`poles.filters.PoleFilterSet`), so that a filter added there is documented here.
"""

import json

import django_filters
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _
from drf_spectacular import openapi
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from caching import versioned

from .problems import CONTENT_TYPE
from .serializers.read import Problem

# Status codes a read may answer with a problem, and what each one means.
READ_PROBLEMS = {
    "400": "Invalid parameters: `errors` gives the messages of each.",
    "404": "No such object, or a page after the last.",
    "406": "The `Accept` header allows no JSON.",
    "429": "Too many requests from this address: retry after `Retry-After` seconds.",
}


def openapi_document() -> dict:
    """The OpenAPI document in the active language. Generating it takes about a second
    and its enums list the filters' current choices: computed once per data version
    and language (`versioned`), as plain JSON values."""

    def generate():
        document = SchemaGenerator().get_schema(request=None, public=True)
        return json.loads(json.dumps(document, cls=DjangoJSONEncoder))

    return versioned("api-openapi-document", generate, per_language=True)


def lang_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "lang",
        str,
        enum=[code for code, _name in settings.LANGUAGES],
        description=_(
            "Language of the labels; without it, the Accept-Language header chooses "
            "(French by default)."
        ),
    )


def filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """The query parameters of a FilterSet, in its order, each with its label and help
    text; a choice is an enum of the values it accepts now (the régions, the sectors…
    as the filter reads them); any other value is checked by the filter itself, which
    answers 400 with the message."""
    parameters = []
    for name, filter_ in filterset_class().filters.items():
        description = str(filter_.label or name)
        help_text = filter_.extra.get("help_text")
        if help_text:
            description += f" — {help_text}"
        choices = filter_.extra.get("choices")
        enum = None
        if isinstance(choices, list | tuple) and choices:
            enum = [str(value) for value, _label in choices]
        many = isinstance(filter_, django_filters.MultipleChoiceFilter)
        parameters.append(
            OpenApiParameter(
                name,
                str,
                enum=enum,
                many=many,
                explode=True if many else None,
                description=description,
            )
        )
    return parameters


def form_field_schema(field) -> dict:
    """The schema of a query parameter checked by a form field: a string, with the
    field's pattern and length when it has them."""
    schema = {"type": "string"}
    regex = getattr(field, "regex", None)
    if regex is not None:
        schema["pattern"] = regex.pattern
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


class AutoSchema(openapi.AutoSchema):
    """A view documents the filters of a FilterSet by naming it `api_filterset_class`,
    and other query parameters by naming their form `api_parameters_form`."""

    def get_override_parameters(self):
        parameters = [lang_parameter()]
        filterset_class = getattr(self.view, "api_filterset_class", None)
        if filterset_class is not None:
            parameters += filter_parameters(filterset_class)
        form_class = getattr(self.view, "api_parameters_form", None)
        if form_class is not None:
            parameters += [
                OpenApiParameter(name, form_field_schema(field), description=str(field.help_text))
                for name, field in form_class.base_fields.items()
            ]
        if self.method == "GET":
            parameters += [
                OpenApiParameter(
                    "ETag",
                    str,
                    location=OpenApiParameter.HEADER,
                    response=[200, 304],
                    description=_("Validator of the representation, for If-None-Match."),
                ),
                OpenApiParameter(
                    "Retry-After",
                    int,
                    location=OpenApiParameter.HEADER,
                    response=[429],
                    description=_("Seconds to wait before the next request."),
                ),
            ]
        return parameters + super().get_override_parameters()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method != "GET":
            return responses
        responses.setdefault(
            "304",
            self._get_response_for_code(
                OpenApiResponse(description=_("Not modified: the ETag is the client's.")), "304"
            ),
        )
        for code, description in READ_PROBLEMS.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=Problem, description=description),
                    code,
                    media_types=[CONTENT_TYPE],
                )
        return responses
