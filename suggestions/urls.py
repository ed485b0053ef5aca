from django.urls import path

from . import views

app_name = "suggestions"

urlpatterns = [
    path("poles/<slug:slug>/suggestion/", views.correction, name="correction"),
    path("contribuer/", views.new_pole, name="new_pole"),
    path("suggestion/<str:token>/", views.follow, name="follow"),
]
