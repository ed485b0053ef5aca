from django.urls import path

from . import views

app_name = "poles"

urlpatterns = [
    path("", views.home, name="home"),
    path("poles/<slug:slug>/", views.PoleDetailView.as_view(), name="detail"),
    path("territoires/<slug:region_slug>/", views.region_detail, name="region"),
    path(
        "territoires/<slug:region_slug>/<slug:departement_slug>/",
        views.departement_detail,
        name="departement",
    ),
    path("secteurs/<slug:slug>/", views.sector_detail, name="sector"),
]
