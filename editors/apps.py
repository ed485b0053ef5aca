from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorsConfig(AppConfig):
    name = "editors"
    verbose_name = _("Editors and their scopes")
