from django.urls import path

from . import views

app_name = "observatory"

urlpatterns = [
    path("statistiques/", views.index, name="index"),
    path("statistiques/<slug:indicator>.csv", views.indicator_csv, name="indicator_csv"),
]
