from django.urls import path

from . import views

app_name = "poles"

urlpatterns = [
    path("", views.home, name="home"),
    path("poles/", views.pole_list, name="list"),
    path("poles.geojson", views.poles_geojson, name="geojson"),
    path("poles.csv", views.export_csv, {"export": "poles"}, name="csv"),
    path("poles/structures.csv", views.export_csv, {"export": "structures"}, name="structures_csv"),
    path("donnees/", views.open_data, name="data"),
    path(
        "donnees/schema-poles.json", views.export_schema, {"export": "poles"}, name="schema_poles"
    ),
    path(
        "donnees/schema-structures.json",
        views.export_schema,
        {"export": "structures"},
        name="schema_structures",
    ),
    path("embed/", views.embed, name="embed"),
    path("poles/<slug:slug>/", views.PoleDetailView.as_view(), name="detail"),
    path("territoires/", views.territory_index, name="territories"),
    path("territoires/<slug:region_slug>/", views.region_detail, name="region"),
    path(
        "territoires/<slug:region_slug>/<slug:departement_slug>/",
        views.departement_detail,
        name="departement",
    ),
    path("secteurs/", views.sector_index, name="sectors"),
    path("secteurs/<slug:slug>/", views.sector_detail, name="sector"),
]
