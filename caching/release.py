"""The running release: part of every cache key and of every stored body's name.

During a release both codes run for a while: gunicorn's old workers finish their
requests while the new ones start, and one instance restarts before the other.
`migrate` moves the data version (apps.py), but an old worker may then compute a
number, render a page or write a feed under the new version, in the old code's shape
(a dictionary without the key the new code reads, a page naming static files the new
release renamed, a CSV file with the old columns). With the release in every key,
each code reads only what the same code stored.

The release is `settings.RELEASE` (the `PTCE_RELEASE` environment variable, e.g. the
deployed commit), or else a digest of what decides the shape of what is cached: the
project's Python modules, templates and compiled translations, and the static files'
manifest. Read once per process, as the WSGI application loads (ptce_site/wsgi.py):
then the files are those of the code being run.
"""

import functools
import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What decides the shape of a cached value, page or stored body.
SOURCE_SUFFIXES = (".py", ".html", ".txt", ".mo")
# Folders of no running code of ours (tests, tools, data loaded by commands, uploads,
# stored feeds under var/, a virtualenv without a dot); folders starting with a dot
# (.venv, .git) are skipped too.
SKIPPED_FOLDERS = {
    "node_modules",
    "staticfiles",
    "media",
    "var",
    "venv",
    "tests",
    "devtools",
    "docs",
    "fixtures",
}


def _source_files(base: Path):
    for folder, subfolders, files in os.walk(base):
        subfolders[:] = sorted(
            name for name in subfolders if not name.startswith(".") and name not in SKIPPED_FOLDERS
        )
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                yield Path(folder) / name


@functools.cache
def release() -> str:
    """The running release's name: short, stable for one deployed code."""
    configured = getattr(settings, "RELEASE", "")
    if configured:
        return str(configured)
    base = Path(settings.BASE_DIR)
    # Named relative to the checkout, the manifest by its own name: two instances of
    # one release, installed in other folders, share their cached values.
    files = [(path, path.relative_to(base).as_posix()) for path in _source_files(base)]
    files.append((Path(settings.STATIC_ROOT) / "staticfiles.json", "static manifest"))
    sources = hashlib.sha256()
    for path, name in files:
        try:
            content = path.read_bytes()
        except OSError:  # no manifest outside production; a file removed meanwhile
            continue
        sources.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return sources.hexdigest()[:16]


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting in {"RELEASE", "BASE_DIR", "STATIC_ROOT"}:
        release.cache_clear()
