"""The WSGI application a gunicorn worker serves (ptce_site/wsgi.py)."""

import gc

from ptce_site.wsgi import FreezeWarmObjects, application


def test_the_served_application_freezes_a_workers_long_lived_objects():
    assert isinstance(application, FreezeWarmObjects)


def test_a_worker_freezes_what_it_built_after_its_first_requests():
    served = []

    def app(environ, start_response):
        served.append(environ["n"])
        return [b"ok"]

    wrapped = FreezeWarmObjects(app)
    gc.unfreeze()
    try:
        for n in range(20):
            assert wrapped({"n": n}, None) == [b"ok"]
        assert gc.get_freeze_count() == 0
        wrapped({"n": 20}, None)
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the test process's modules, Django's among them
        for n in range(21, 200):
            wrapped({"n": n}, None)
        assert gc.get_freeze_count() == frozen
        assert served == list(range(200))
    finally:
        gc.unfreeze()


def test_the_release_is_read_as_the_application_loads(settings, tmp_path):
    """Read later, at a worker's first request, it could name the files a release has
    just put in place rather than the code the worker runs (caching/release.py)."""
    import importlib

    import ptce_site.wsgi
    from caching.release import release

    settings.RELEASE = ""  # forgets the release read so far
    assert release.cache_info().currsize == 0
    importlib.reload(ptce_site.wsgi)
    assert release.cache_info().currsize == 1
