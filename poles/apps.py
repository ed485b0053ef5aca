from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolesConfig(AppConfig):
    name = "poles"
    verbose_name = _("Poles and member structures")

    def ready(self):
        # Every save or delete of a directory model (poles, members, territories)
        # invalidates the cached public pages: cross-cutting, so done by signal
        # receivers, connected here once every app's models are loaded.
        from ptce_site.cache import connect_signals

        connect_signals()

        # Derived data (updated_at, coverage, search text): poles/derived.py. Imported
        # here, not at the top: it reads the models, which load after this module.
        from poles import derived

        derived.connect()
