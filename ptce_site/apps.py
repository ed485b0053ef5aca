from importlib import import_module

from django.apps import AppConfig
from django.contrib import admin
from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.translation import gettext_lazy as _


class PTCEAdminConfig(SimpleAdminConfig):
    """The admin, autodiscovering only the apps that have admin modules we want.

    Plain `AdminConfig` would import every app's `admin` module, including
    `leaflet.admin`, which imports GeoDjango and fails without GDAL.
    """

    # Django's site, its list of apps and models remembered per set of permissions.
    default_site = "editors.sites.StaffAdminSite"

    # axes: national administrators see and clear login lockouts.
    ADMIN_MODULES = (
        "django.contrib.auth",
        "axes",
        # Every ModelAdmin of the directory, then import/export added to some of them.
        "editors",
        "spreadsheets",
        "suggestions",
        "pages",
    )

    def ready(self):
        super().ready()

        admin.site.site_header = _("PTCE directory administration")
        admin.site.site_title = _("PTCE directory")
        admin.site.index_title = _("Directory records")
        for app in self.ADMIN_MODULES:
            import_module(f"{app}.admin")


class SiteConfig(AppConfig):
    """The project itself, as an app: the commands that span every app (`bootstrap`)."""

    default = True
    name = "ptce_site"
    verbose_name = _("PTCE directory")
