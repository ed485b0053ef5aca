from django.urls import path

from . import views

app_name = "poles"

urlpatterns = [
    path("", views.home, name="home"),
    path("poles/", views.pole_list, name="list"),
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
