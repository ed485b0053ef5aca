"""/api/v1/: the JSON API (docs/api.md). Codes in paths are matched by their shape
(a région's two digits, a SIREN's nine…), so that no other text reaches a lookup; any
other path under /api/ is a 404 problem."""

from django.urls import path, re_path

from . import edit_views, problems, views

app_name = "api"

DEPARTEMENT = r"(?P<code>[0-9]{2}|2[AB]|97[1-8])"

urlpatterns = [
    path("v1/", views.Index.as_view(), name="index"),
    path("v1/openapi.json", views.OpenApi.as_view(), name="openapi"),
    path("v1/docs/", views.docs, name="docs"),
    path("v1/poles/", views.PoleList.as_view(), name="poles"),
    path("v1/poles/<slug:slug>/", views.PoleDetail.as_view(), name="pole"),
    path("v1/structures/", views.StructureList.as_view(), name="structures"),
    re_path(
        r"^v1/structures/(?P<pk>[0-9]{1,18})/$",
        views.StructureDetail.as_view(),
        name="structure",
    ),
    path("v1/regions/", views.RegionList.as_view(), name="regions"),
    re_path(r"^v1/regions/(?P<code>[0-9]{2})/$", views.RegionDetail.as_view(), name="region"),
    path("v1/departements/", views.DepartementList.as_view(), name="departements"),
    re_path(
        rf"^v1/departements/{DEPARTEMENT}/$",
        views.DepartementDetail.as_view(),
        name="departement",
    ),
    path("v1/epcis/", views.EpciList.as_view(), name="epcis"),
    re_path(r"^v1/epcis/(?P<code>[0-9]{9})/$", views.EpciDetail.as_view(), name="epci"),
    path("v1/communes/", views.CommuneList.as_view(), name="communes"),
    re_path(
        r"^v1/communes/(?P<code>(?:[0-9]{2}|2[AB])[0-9]{3})/$",
        views.CommuneDetail.as_view(),
        name="commune",
    ),
    path("v1/sectors/", views.SectorList.as_view(), name="sectors"),
    path("v1/sectors/<slug:slug>/", views.SectorDetail.as_view(), name="sector"),
    path("v1/pooling-types/", views.PoolingTypeList.as_view(), name="pooling-types"),
    path("v1/networks/", views.NetworkList.as_view(), name="networks"),
    path("v1/recognitions/", views.RecognitionList.as_view(), name="recognitions"),
    path("v1/legal-forms/", views.LegalFormList.as_view(), name="legal-forms"),
    path("v1/approvals/", views.ApprovalList.as_view(), name="approvals"),
    path("v1/headcount-bands/", views.HeadcountBandList.as_view(), name="headcount-bands"),
    path("v1/statuses/", views.StatusList.as_view(), name="statuses"),
    path("v1/indicators/", views.IndicatorList.as_view(), name="indicators"),
    path("v1/indicators/<slug:slug>/", views.IndicatorDetail.as_view(), name="indicator"),
    # Staff writes, with a personal API token (api/edit_views.py).
    path("v1/edit/poles/", edit_views.PoleCreate.as_view(), name="edit-poles"),
    path("v1/edit/poles/<slug:slug>/", edit_views.PoleEditDetail.as_view(), name="edit-pole"),
    re_path(
        r"^v1/edit/poles/(?P<slug>[-a-zA-Z0-9_]+)/key-figures/(?P<year>[0-9]{4})/$",
        edit_views.KeyFigureEditDetail.as_view(),
        name="edit-key-figure",
    ),
    path(
        "v1/edit/poles/<slug:slug>/memberships/",
        edit_views.MembershipCreate.as_view(),
        name="edit-memberships",
    ),
    re_path(
        r"^v1/edit/memberships/(?P<pk>[0-9]{1,18})/$",
        edit_views.MembershipEditDetail.as_view(),
        name="edit-membership",
    ),
    path("v1/edit/structures/", edit_views.StructureCreate.as_view(), name="edit-structures"),
    re_path(
        r"^v1/edit/structures/(?P<pk>[0-9]{1,18})/$",
        edit_views.StructureEditDetail.as_view(),
        name="edit-structure",
    ),
    re_path(r"^", problems.not_found, name="not_found"),
]
