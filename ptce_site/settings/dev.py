"""Local development: DEBUG on unless the environment says otherwise."""

import os

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env_bool

DEBUG = env_bool("DEBUG", True)
# No manifest in development: `runserver` serves files as they are on disk.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The synthetic data generator (`manage.py generate_synthetic`, used by `make bench`
# and the scale tests): development only.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
# E-mails are printed in the terminal unless the environment names a backend.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
