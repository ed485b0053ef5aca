from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolesConfig(AppConfig):
    name = "poles"
    verbose_name = _("Poles and member structures")

    def ready(self):
        from poles.signals import connect_signals as connect_pole_touches

        connect_pole_touches()
