from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("poles.geojson", views.poles_geojson, name="geojson"),
    # The site's own maps: a compact feed, not an open data format (docs/open-data.md).
    path("poles/carte.json", views.map_feed, name="map_feed"),
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
]
