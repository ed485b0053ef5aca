"""The site's three cache layers (see docs/caching.md).

- The **page cache** (`caching.middleware.PageCacheMiddleware`): anonymous public
  responses stored whole, keyed by the canonical URL, language and partial header, and
  by the content **generation** that every edit bumps.
- **`versioned()`**: numbers computed from the whole directory (home figures, filter
  choices, the observatory's groups), cached under an exact version of the data.
- **Stored feeds and exports** (`caching.stored`): the unfiltered map feed and the
  whole exports written once per **data stamp** (`caching.stamp`, a row every write
  replaces in its transaction) and served as files.

Every key of the three holds the running release (`caching.release`): during a
release, old and new workers never read what the other code cached or stored.

This package imports no app of the project: the others import it.
"""

from .generation import bump_generation, cache_seconds, current_generation
from .keys import canonical_query, digest
from .release import release
from .versioned import data_version, versioned

__all__ = [
    "bump_generation",
    "cache_seconds",
    "canonical_query",
    "current_generation",
    "data_version",
    "digest",
    "release",
    "versioned",
]
