from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolesConfig(AppConfig):
    name = "poles"
    verbose_name = _("Poles and member structures")

    def ready(self):
        # Derived data (updated_at, coverage, search text): poles/derived.py. Imported
        # here, not at the top: it reads the models, which load after this module.
        from poles import derived

        derived.connect()
