"""The API's read endpoints: thin views over `api.selectors`, each shown through its
read serializer.

`ApiView` gives every endpoint the same behaviour: the language (`?lang=`, else
Accept-Language), the rate limit per address, the `ETag` of the body and `304`
(api/conditional.py), `Cache-Control: no-cache` (clients revalidate; a `304` costs
no body), and problem details for every error.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.reverse import reverse

from caching import data_version
from observatory import selectors as observatory
from poles.filters import PoleFilterSet
from poles.models import Approval, LegalForm, Network, PoolingType, Recognition
from territories.models import EPCI, Commune, Departement, Region

from . import conditional, selectors
from .forms import CommuneParameters, EpciParameters, StructureParameters
from .problems import NotModified
from .schema import openapi_document
from .serializers import read
from .serializers.plain import represent

READ_METHODS = ("GET", "HEAD")


class ApiView(GenericAPIView):
    """The common behaviour of the API's endpoints (module docstring)."""

    # Documented from the view's FilterSet or parameter form (api.schema).
    api_filterset_class = None
    api_parameters_form = None
    validator_key = None
    # The data version (`caching.data_version()`) a read is validated and cached under,
    # read once per request; `...` until read.
    data_version = ...

    def initial(self, request, *args, **kwargs):
        self.activate_language(request)
        super().initial(request, *args, **kwargs)
        if request.method in READ_METHODS:
            self.data_version = data_version()
            self.validator_key, etag = conditional.remembered_etag(request, self.data_version)
            if etag and conditional.none_match(request.headers.get("If-None-Match"), etag):
                raise NotModified(etag)

    @staticmethod
    def activate_language(request):
        lang = request.query_params.get("lang")
        if lang is None:
            return
        if lang not in dict(settings.LANGUAGES):
            codes = ", ".join(code for code, _name in settings.LANGUAGES)
            raise exceptions.ValidationError({"lang": [_("Choose one of: %s.") % codes]})
        translation.activate(lang)
        request.LANGUAGE_CODE = lang

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in READ_METHODS and response.status_code == 200:
            response.render()
            etag = conditional.etag_of(response.content)
            response["ETag"] = etag
            conditional.remember(self.validator_key, etag)
            if conditional.none_match(request.headers.get("If-None-Match"), etag):
                response = Response(status=304, headers={"ETag": etag})
                response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code in (200, 304):
            patch_cache_control(response, no_cache=True)
        return response

    def parameters(self, form_class):
        """The query parameters checked by `form_class`, or a 400 problem."""
        form = form_class(self.request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        return form.cleaned_data

    def page(self, items, serializer_class):
        """One page of `items` (ids or a queryset, in a stable order), read by
        `rows(page)` and shown through `serializer_class`."""
        page = self.paginate_queryset(items)
        return self.get_paginated_response(represent(serializer_class, self.rows(page), many=True))

    def rows(self, page):
        return page


# --- Poles --------------------------------------------------------------------------------


@extend_schema(tags=["poles"], responses=read.PoleListItem(many=True))
class PoleList(ApiView):
    """The published poles, filtered and sorted as the directory (`/poles/`) does, by
    pages."""

    api_filterset_class = PoleFilterSet

    def get(self, request):
        if not PoleFilterSet.filters_anything(request.query_params):
            return self.page(selectors.pole_ids(PoleFilterSet.unfiltered()), read.PoleListItem)
        filterset = PoleFilterSet(request.query_params, version=self.data_version)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        return self.page(selectors.pole_ids(filterset.qs), read.PoleListItem)

    def rows(self, page):
        return selectors.pole_rows(page)


@extend_schema(tags=["poles"], responses=read.PoleDetail)
class PoleDetail(ApiView):
    """A published pole with everything its page shows: member structures, key
    figures by year, sectors, recognitions, networks, territory of action, and its
    cooperators (persons named only with their consent)."""

    pagination_class = None

    def get(self, request, slug):
        pole = selectors.published_pole(slug)
        if pole is None:
            raise exceptions.NotFound(_("No published pole has this slug."))
        return Response(represent(read.PoleDetail, selectors.pole_detail(pole)))


# --- Structures ---------------------------------------------------------------------------


@extend_schema(tags=["structures"], responses=read.StructureWithPoles(many=True))
class StructureList(ApiView):
    """Member structures of published poles, by name."""

    api_parameters_form = StructureParameters

    def get(self, request):
        params = self.parameters(StructureParameters)
        structures = selectors.public_structures()
        if params["pole"]:
            structures = structures.filter(
                memberships__pole__slug=params["pole"], memberships__pole__is_published=True
            ).distinct()
        if params["siret"]:
            structures = structures.filter(siret=params["siret"])
        ids = structures.order_by("name", "pk").values_list("pk", flat=True)
        return self.page(ids, read.StructureWithPoles)

    def rows(self, page):
        return selectors.structure_rows(list(page))


@extend_schema(tags=["structures"], responses=read.StructureWithPoles)
class StructureDetail(ApiView):
    """A member structure of published poles, with its poles and roles."""

    pagination_class = None

    def get(self, request, pk):
        rows = selectors.structure_rows([int(pk)])
        if not rows:
            raise exceptions.NotFound(_("No member structure of a published pole has this id."))
        return Response(represent(read.StructureWithPoles, rows[0]))


# --- Territories -------------------------------------------------------------------------


@extend_schema(tags=["territories"], responses=read.Region(many=True))
class RegionList(ApiView):
    """The régions, with their number of published poles."""

    pagination_class = None

    def get(self, request):
        return Response(represent(read.Region, selectors.regions(), many=True))


@extend_schema(tags=["territories"], responses=read.RegionDetail)
class RegionDetail(ApiView):
    """A région with its départements and its published poles (seated there or acting
    on part of it)."""

    pagination_class = None

    def get(self, request, code):
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise exceptions.NotFound(_("No région has this INSEE code."))
        return Response(represent(read.RegionDetail, selectors.region_detail(region)))


@extend_schema(tags=["territories"], responses=read.Departement(many=True))
class DepartementList(ApiView):
    """The départements, with their number of published poles."""

    pagination_class = None

    def get(self, request):
        return Response(represent(read.Departement, selectors.departements(), many=True))


@extend_schema(tags=["territories"], responses=read.DepartementDetail)
class DepartementDetail(ApiView):
    """A département with its published poles (seated there, acting on part of it or
    on its whole région)."""

    pagination_class = None

    def get(self, request, code):
        departement = Departement.objects.select_related("region").filter(code=code).first()
        if departement is None:
            raise exceptions.NotFound(_("No département has this INSEE code."))
        return Response(
            represent(read.DepartementDetail, selectors.departement_detail(departement))
        )


@extend_schema(tags=["territories"], responses=read.Epci(many=True))
class EpciList(ApiView):
    """The EPCI (intercommunal bodies), by name, by pages."""

    api_parameters_form = EpciParameters

    def get(self, request):
        params = self.parameters(EpciParameters)
        return self.page(selectors.epcis(params["departement"]), read.Epci)

    def rows(self, page):
        return selectors.epci_rows(page)


@extend_schema(tags=["territories"], responses=read.EpciDetail)
class EpciDetail(ApiView):
    """An EPCI with the published poles seated or acting in it."""

    pagination_class = None

    def get(self, request, code):
        epci = EPCI.objects.filter(code=code).first()
        if epci is None:
            raise exceptions.NotFound(_("No EPCI has this SIREN."))
        return Response(represent(read.EpciDetail, selectors.epci_detail(epci)))


@extend_schema(tags=["territories"], responses=read.Commune(many=True))
class CommuneList(ApiView):
    """The communes (and the arrondissements of Paris, Lyon and Marseille), by INSEE
    code, by pages."""

    api_parameters_form = CommuneParameters

    def get(self, request):
        params = self.parameters(CommuneParameters)
        communes = selectors.communes(departement=params["departement"], search=params["q"])
        return self.page(communes, read.Commune)

    def rows(self, page):
        return [selectors.commune_row(commune) for commune in page]


@extend_schema(tags=["territories"], responses=read.CommuneDetail)
class CommuneDetail(ApiView):
    """A commune with the published poles whose territory of action covers it."""

    pagination_class = None

    def get(self, request, code):
        commune = Commune.objects.select_related("parent", "departement").filter(code=code).first()
        if commune is None:
            raise exceptions.NotFound(_("No commune has this INSEE code."))
        return Response(represent(read.CommuneDetail, selectors.commune_detail(commune)))


# --- Reference lists -----------------------------------------------------------------------


@extend_schema(tags=["reference lists"], responses=read.SectorItem(many=True))
class SectorList(ApiView):
    """The activity sectors, with their number of published poles."""

    pagination_class = None

    def get(self, request):
        return Response(represent(read.SectorItem, selectors.sectors(), many=True))


@extend_schema(tags=["reference lists"], responses=read.SectorItem)
class SectorDetail(ApiView):
    """An activity sector."""

    pagination_class = None

    def get(self, request, slug):
        for sector in selectors.sectors():
            if sector["slug"] == slug:
                return Response(represent(read.SectorItem, sector))
        raise exceptions.NotFound(_("No sector has this slug."))


def reference_list(model, serializer, description):
    @extend_schema(tags=["reference lists"], responses=serializer(many=True))
    class ReferenceList(ApiView):
        pagination_class = None

        def get(self, request):
            return Response(represent(serializer, selectors.reference_items(model), many=True))

    ReferenceList.__doc__ = description
    ReferenceList.__name__ = ReferenceList.__qualname__ = f"{model.__name__}List"
    return ReferenceList


PoolingTypeList = reference_list(
    PoolingType, read.PoolingTypeItem, "The pooling (mutualisation) types."
)
NetworkList = reference_list(Network, read.NetworkItem, "Networks and learning communities.")
RecognitionList = reference_list(
    Recognition, read.RecognitionItem, "National recognitions (calls for projects)."
)
LegalFormList = reference_list(LegalForm, read.LegalFormItem, "Legal forms.")
ApprovalList = reference_list(Approval, read.ApprovalItem, "Approvals (IAE and others).")


@extend_schema(tags=["reference lists"], responses=read.HeadcountBandItem(many=True))
class HeadcountBandList(ApiView):
    """INSEE headcount bands."""

    pagination_class = None

    def get(self, request):
        return Response(represent(read.HeadcountBandItem, selectors.headcount_bands(), many=True))


@extend_schema(tags=["reference lists"], responses=read.CodeLabel(many=True))
class StatusList(ApiView):
    """The statuses of a pole (the `statut` filter's values)."""

    pagination_class = None

    def get(self, request):
        return Response(represent(read.CodeLabel, selectors.statuses(), many=True))


# --- Observatory ----------------------------------------------------------------------------


def indicator_data(indicator) -> dict:
    columns = [column for column in indicator.columns if column.in_csv or column.in_table]
    keys = [column.key for column in columns]
    return {
        "slug": indicator.slug,
        "title": str(indicator.title),
        "definition": str(indicator.definition),
        "base": indicator.base,
        "base_unit": indicator.base_unit,
        "is_thin": indicator.is_thin,
        "note": str(indicator.note or ""),
        "columns": [
            {"key": column.key, "label": str(column.label), "numeric": column.numeric}
            for column in columns
        ],
        "rows": [{key: row.get(key) for key in keys} for row in indicator.rows],
    }


class IndicatorView(ApiView):
    pagination_class = None
    api_filterset_class = PoleFilterSet

    def selection(self):
        filterset = PoleFilterSet(self.request.query_params, version=self.data_version)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        return filterset.qs


@extend_schema(tags=["observatory"], responses=read.Indicator(many=True))
class IndicatorList(IndicatorView):
    """Every indicator of the observatory (`/statistiques/`), over the poles the
    directory's filters select."""

    def get(self, request):
        indicators = observatory.indicators(self.selection())
        return Response(
            represent(read.Indicator, [indicator_data(i) for i in indicators], many=True)
        )


@extend_schema(tags=["observatory"], responses=read.Indicator)
class IndicatorDetail(IndicatorView):
    """One indicator of the observatory, over the poles the filters select."""

    def get(self, request, slug):
        if slug not in observatory.INDICATORS:
            raise exceptions.NotFound(_("No indicator has this identifier."))
        indicator = observatory.indicator(slug, self.selection())
        return Response(represent(read.Indicator, indicator_data(indicator)))


# --- Index and documentation -------------------------------------------------------------------


ENDPOINTS = (
    "poles",
    "structures",
    "regions",
    "departements",
    "epcis",
    "communes",
    "sectors",
    "pooling-types",
    "networks",
    "recognitions",
    "legal-forms",
    "approvals",
    "headcount-bands",
    "statuses",
    "indicators",
)


@extend_schema(
    tags=["index"],
    responses=inline_serializer(
        "Index",
        {
            "documentation": serializers.CharField(),
            "openapi": serializers.CharField(),
            "endpoints": serializers.DictField(child=serializers.CharField()),
        },
    ),
)
class Index(ApiView):
    """The API's entry point: its endpoints and its documentation."""

    pagination_class = None

    def get(self, request):
        return Response(
            {
                "documentation": reverse("api:docs", request=request),
                "openapi": reverse("api:openapi", request=request),
                "endpoints": {name: reverse(f"api:{name}", request=request) for name in ENDPOINTS},
            }
        )


class OpenApi(SpectacularJSONAPIView):
    """The OpenAPI 3 document (`openapi_document()`)."""

    def _get_schema_response(self, request):
        return Response(
            data=openapi_document(),
            headers={"Content-Disposition": 'inline; filename="openapi.json"'},
        )


def docs(request):
    """The human documentation: the OpenAPI document rendered as a page (every
    endpoint, its parameters and its responses), in the visitor's language."""
    schema = openapi_document()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": operation.get("operationId", ""),
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "responses": sorted(operation.get("responses", {})),
                    "tag": (operation.get("tags") or [""])[0],
                }
            )
    return render(
        request,
        "api/docs.html",
        {
            "info": schema["info"],
            "operations": operations,
            "rate_limit": settings.API_RATE_LIMIT,
        },
    )
