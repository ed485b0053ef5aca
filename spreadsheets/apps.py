from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadsheetsConfig(AppConfig):
    """Spreadsheet import and export in the admin (django-import-export resources and
    the import flow). No models."""

    name = "spreadsheets"
    verbose_name = _("Spreadsheets")
