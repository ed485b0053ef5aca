from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Cooperators and colleges")

    def ready(self):
        # A pole's page shows its colleges and cooperators: their changes are changes
        # of the pole (poles/derived.py). Imported here: the models load after this module.
        from poles import derived

        for label in ("members.College", "members.Cooperator"):
            derived.register(derived.Source(label, (derived.UPDATED_AT,), derived.pole_of))
