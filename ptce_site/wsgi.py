import gc
import os

from django.core.wsgi import get_wsgi_application

from caching.release import release

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ptce_site.settings.prod")


class FreezeWarmObjects:
    """The WSGI application, which moves the objects a worker has built to stay (the
    code, URL patterns, compiled templates, translation catalogues, cached lists) out
    of the garbage collector's reach once it has served its first requests.

    Python's oldest generation holds them all, about 150,000 objects: each of its
    collections walked every one, about 150 ms of a worker's time once every hundred
    directory pages, and the requests queued behind it waited as long (2026-12-07, at
    2,000 poles). `gc.freeze()` leaves them out of every later collection; a collection
    first, so that no garbage is frozen with them. Again after more requests, for what
    the first ones did not build (pages visited later): each collection then walks only
    what was built since the last freeze."""

    FREEZE_AFTER = (20, 200, 2000)

    def __init__(self, application):
        self.application = application
        self.served = 0

    def __call__(self, environ, start_response):
        # Before the request: none of its objects is frozen with the others.
        if self.served in self.FREEZE_AFTER:
            gc.collect()
            gc.freeze()
        self.served += 1
        return self.application(environ, start_response)


application = FreezeWarmObjects(get_wsgi_application())

# The release's name (caching/release.py), read from the files now, as the code is: a
# worker that computed it at its first request, after a release had replaced the files
# but not yet the running code (gunicorn's `--preload`), would name the old code's values
# after the new release.
release()
