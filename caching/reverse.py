"""`reverse()` remembered: the URLs of poles, sectors and territories, which pages
repeat by the dozen (the home page asks for ~60 of them, ~25 µs each).

A URL depends on the view's name, its arguments, the URLconf and the script prefix:
all four are the key. The URLconf is read from the settings, which tests override;
the memory is emptied then, and by `clear_url_caches()`'s callers through the same
signal.
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=8192)
def _reverse(viewname: str, kwargs: tuple, prefix: str, urlconf) -> str:
    return reverse(viewname, kwargs=dict(kwargs), urlconf=urlconf)


def reverse_cached(viewname: str, **kwargs) -> str:
    """`reverse(viewname, kwargs=kwargs)` for hashable keyword arguments."""
    return _reverse(viewname, tuple(sorted(kwargs.items())), get_script_prefix(), get_urlconf())


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _reverse.cache_clear()
