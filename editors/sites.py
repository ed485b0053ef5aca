"""The staff admin's site: Django's, its list of apps and models built once per set of
permissions rather than at every request."""

from django.contrib.admin import AdminSite
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language


class StaffAdminSite(AdminSite):
    """Django's `AdminSite` (`ptce_site.apps.PTCEAdminConfig.default_site`).

    Every admin page lists the apps and models the editor may see (the navigation
    sidebar, the home page), which Django builds at each request: about thirty model
    admins asked for their permissions, then sixty `reverse()` calls and a sort of
    translated names, a tenth of a changelist's time. The permissions are still asked
    at each request, by each model admin (they depend on the editor, their role and
    their groups); the list built from the answers is remembered, keyed by those
    answers and everything else it depends on: the language of its names, and the
    URL configuration and prefix of its links.
    """

    # Lists remembered per process; a handful per set of permissions and language.
    APP_LISTS_MAX = 256

    def __init__(self, name="admin"):
        super().__init__(name)
        self._app_lists: dict = {}

    def _permissions(self, request, app_label):
        """What Django's `_build_app_dict` asks each model admin, in its order."""
        answers = []
        for model, model_admin in self._registry.items():
            if app_label and model._meta.app_label != app_label:
                continue
            if not model_admin.has_module_permission(request):
                answers.append((model._meta.label, None))
                continue
            perms = model_admin.get_model_perms(request)
            answers.append((model._meta.label, tuple(sorted(perms.items()))))
        return tuple(answers)

    def get_app_list(self, request, app_label=None):
        key = (
            get_language(),
            get_urlconf(),
            get_script_prefix(),
            app_label,
            self._permissions(request, app_label),
        )
        app_list = self._app_lists.get(key)
        if app_list is None:
            app_list = super().get_app_list(request, app_label)
            if len(self._app_lists) >= self.APP_LISTS_MAX:
                self._app_lists.clear()
            self._app_lists[key] = app_list
        # A copy: a caller may change its own (the dictionaries are Django's).
        return [
            {
                **app,
                "models": [{**model, "perms": dict(model["perms"])} for model in app["models"]],
            }
            for app in app_list
        ]
