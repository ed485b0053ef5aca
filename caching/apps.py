from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .invalidation import connect_signals


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
