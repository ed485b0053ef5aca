from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    """Open data: the CSV and GeoJSON exports, their Table Schema, /donnees/ and the
    embeddable map. No models: every file is read from the directory's tables."""

    name = "opendata"
    verbose_name = _("Open data")
