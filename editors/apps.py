from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorsConfig(AppConfig):
    name = "editors"
    verbose_name = _("Editors and their scopes")

    def ready(self):
        # Versioned models are registered even when the admin is not loaded
        # (management commands, the seed loader).
        from editors.history import register_models

        register_models()
