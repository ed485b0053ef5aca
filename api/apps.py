from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The JSON API (`/api/v1/`): public reads of the directory, its OpenAPI document
    and its documentation page. Below ptce_site: it may import observatory and every
    app under it."""

    name = "api"
    verbose_name = _("JSON API")
