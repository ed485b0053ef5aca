from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .generation import bump_generation
from .invalidation import connect_signals
from .request_version import begin_request, end_request


class CachingConfig(AppConfig):
    """The site's two cache layers: the public page cache and `versioned()` numbers.

    The bottom layer: it imports no app of the project. Which apps' models invalidate
    the cache and which URL namespaces are cached come from the settings
    (`PAGE_CACHE_SOURCE_APPS`, `PAGE_CACHE_NAMESPACES`): the wiring lives in
    ptce_site."""

    name = "caching"
    verbose_name = _("Caching")

    def ready(self):
        # Every save or delete of a model of the source apps invalidates the cached
        # pages: connected here, once every app's models are loaded.
        connect_signals()
        # The data version is read once per request (request_version.py).
        request_started.connect(begin_request, dispatch_uid="ptce-data-version-begin")
        request_finished.connect(end_request, dispatch_uid="ptce-data-version-end")
        # A release runs `migrate` (docs/operations.md): what was stored or cached by the
        # old code (feeds and exports whose columns or labels may have changed) must not
        # outlive it, even when no data changed.
        post_migrate.connect(
            bump_after_migrate, sender=self, dispatch_uid="ptce-bump-after-migrate"
        )


def bump_after_migrate(sender, **kwargs):
    bump_generation()
