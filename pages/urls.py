from django.urls import path

from . import views
from .models import Page

app_name = "pages"

urlpatterns = [
    path("mentions-legales/", views.page, {"slug": Page.Slug.LEGAL}, name="legal"),
    path("confidentialite/", views.page, {"slug": Page.Slug.PRIVACY}, name="privacy"),
    path("accessibilite/", views.page, {"slug": Page.Slug.ACCESSIBILITY}, name="accessibility"),
    path("contact/", views.page, {"slug": Page.Slug.CONTACT}, name="contact"),
]
