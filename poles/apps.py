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

        from poles.signals import connect_signals as connect_pole_touches

        connect_pole_touches()
