from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoryConfig(AppConfig):
    """The observatory (/statistiques/): indicators computed live from the directory.

    No models: every number is an aggregation over the poles app's tables."""

    name = "observatory"
    verbose_name = _("Observatory")
