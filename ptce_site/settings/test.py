"""Test settings: the database still comes from DATABASE_URL (SQLite by default)."""

import tempfile

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="ptce-test-media-")
# Each test gets its own directory too (tests/conftest.py): stored bodies outlive the
# transaction a test rolls back.
STORED_BODIES_ROOT = tempfile.mkdtemp(prefix="ptce-test-stored-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# No public page cache unless a test asks for it (tests/test_cache.py): tests share
# one process-wide cache but roll their data back.
PUBLIC_CACHE_SECONDS = 0
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Serve static files from the apps' folders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The synthetic data generator (`manage.py generate_synthetic`, used by `make bench`
# and the scale tests): development only.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No test reaches the registry: every request fails as offline, unless a test gives
# the recorded answers (tests/registry/recordings/).
REGISTRY_TRANSPORT = "registry.client.OfflineTransport"
