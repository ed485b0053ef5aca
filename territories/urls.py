from django.urls import path

from . import views

app_name = "territories"

urlpatterns = [
    path("lieux.json", views.place_suggestions, name="places"),
]
