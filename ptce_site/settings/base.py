"""Settings shared by every environment.

Values come from environment variables with safe development defaults; `prod.py`
removes the defaults that must never reach production (the secret key).
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-never-use-in-production")
# The deployed release (e.g. its commit), in every cache key (caching/release.py); empty:
# a digest of the code, templates and translations, computed at start-up.
RELEASE = os.environ.get("PTCE_RELEASE", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The project's AdminConfig only autodiscovers our own apps: django-leaflet's
    # `leaflet.admin` imports GeoDjango, which needs GDAL, a system library the site
    # does without (coordinates are plain decimal fields).
    "ptce_site.apps.PTCEAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "leaflet",
    # The project's apps, lowest layer first (docs/architecture.md).
    "territories",
    "poles",
    "registry",
    "members",
    "editors",
    "spreadsheets",
    "opendata",
    "observatory",
    "suggestions",
    "pages",
    "api",
    "ptce_site",
    # The page cache and versioned numbers (the bottom layer: imports no project app).
    "caching",
    "import_export",
    "reversion",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy: no page may use the camera, the microphone… (PERMISSIONS_POLICY).
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # CORS for the JSON API only (CORS_URLS_REGEX): before CommonMiddleware, which may
    # answer a redirect that must carry the CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "ptce_site.middleware.LanguageCookieVaryMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check: read-only views answer other methods 405, not 403.
    "ptce_site.middleware.ReadOnlyViewsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # A NUL character in a submitted form value: 400 before any view (ptce_site/middleware.py).
    "ptce_site.middleware.RejectNulInFormsMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below): the page cache stores
    # responses without it, and it is added to every response, cached or not.
    "csp.middleware.CSPMiddleware",
    # Anonymous public pages from the cache, invalidated by every edit (docs/caching.md).
    "caching.middleware.PageCacheMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes' backend comes first: it refuses a locked-out username + IP address
# before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# No page may be framed by another site (clickjacking), except the embeddable map
# (/embed/), which opts out per view; the CSP's frame-ancestors says the same.
X_FRAME_OPTIONS = "DENY"

# Browser features no page of the site uses (django-permissions-policy): refused to
# the site and to anything it might embed. Geolocation is the site's own only: the
# directory's "Around me" asks for it when the visitor clicks (one policy for every
# page, since the page cache does not keep a view's own policy).
PERMISSIONS_POLICY = {
    "geolocation": ["self"],
    **{
        feature: []
        for feature in (
            "accelerometer",
            "autoplay",
            "camera",
            "display-capture",
            "encrypted-media",
            "gyroscope",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "picture-in-picture",
            "publickey-credentials-get",
            "screen-wake-lock",
            "usb",
            "xr-spatial-tracking",
        )
    },
}

ROOT_URLCONF = "ptce_site.urls"
WSGI_APPLICATION = "ptce_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    POSTGRESQL_SESSION_SETTINGS = {
        # The planner's cost of reading a random page, relative to a sequential one.
        # PostgreSQL's default (4) is for spinning disks; with the directory's data in
        # memory or on SSD it makes the search prefer reading (and decompressing) every
        # pole's text-search vector over its GIN index: 14 ms instead of 2 ms at
        # national scale. 1.1 is the usual value for SSD.
        "random_page_cost": os.environ.get("DATABASE_RANDOM_PAGE_COST", "1.1"),
    }
    if not env_bool("DATABASE_JIT", False):
        # PostgreSQL compiles (JIT) any query the planner costs above jit_above_cost.
        # Some page queries (OR-ed territory EXISTS, per-pole "latest figure"
        # subqueries) are costed far above what they take: measured at national scale,
        # 70 ms of compiling for 5 ms of execution. The site runs short queries only:
        # JIT off for its connections (DATABASE_JIT=true turns it back on).
        POSTGRESQL_SESSION_SETTINGS["jit"] = "off"
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(
        f"-c {name}={value}" for name, value in POSTGRESQL_SESSION_SETTINGS.items()
    )
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Parameters bound by the server, and the statements a connection runs twice
        # prepared (psycopg keeps the last 100): PostgreSQL plans a page's queries once
        # per connection instead of at each request. Planning cost more than running
        # the short queries of the pages: measured at national scale, a pole page
        # 16 -> 13 ms, 95 -> 146 pages/s under load. Off (false) behind a pooler that
        # cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login protection (django-axes): five failed attempts lock this username from this
# IP address for one hour. Locking by the pair, not by the IP address alone, keeps one
# guesser from locking out a whole office behind the same address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address, not the reverse proxy's: the number of proxies in front of the
# application that append to X-Forwarded-For (nginx: 1). 0 (development, or gunicorn
# reached directly) trusts no header and uses REMOTE_ADDR (ptce_site/client_address.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Every feature keyed on the client (the login lockout, the suggestions' rate limits)
# reads the address through this one function.
CLIENT_ADDRESS_FUNCTION = "ptce_site.client_address.client_ip"
AXES_CLIENT_IP_CALLABLE = CLIENT_ADDRESS_FUNCTION
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "editors/lockout.html"
# No banner on every management command.
AXES_VERBOSE = False

# Spreadsheet import and export in the admin (django-import-export): CSV and XLSX only,
# the shapes documented in spreadsheets/resources.py and spreadsheets/cooperators.py.
IMPORT_EXPORT_FORMATS = [CSV, XLSX]
# One transaction per import: a file with any error stores nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Importing creates and changes records: it takes the "change" permission (rows that
# would create a record also need "add", checked row by row); exporting takes "view".
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# Trailing empty rows that spreadsheets keep are not records.
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True
# Bounds of one import file (checked before parsing): bytes uploaded, bytes once an
# XLSX is unzipped (a small zip can hide gigabytes), and data rows.
IMPORT_MAX_FILE_SIZE = 5 * 1024 * 1024
IMPORT_MAX_UNZIPPED_SIZE = 50 * 1024 * 1024
IMPORT_MAX_ROWS = 5000

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ptce"}
    )
}
# Where the unfiltered map feed and the full exports are stored, once per data stamp
# (caching/stored.py): a directory the workers of an instance share, writable by them.
STORED_BODIES_ROOT = Path(os.environ.get("STORED_BODIES_ROOT", BASE_DIR / "var" / "stored"))
# How long an anonymous public page stays cached (0: no page cache). Every edit
# invalidates the cached pages at once (docs/caching.md), so this only bounds memory.
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "600"))
# How long browsers and shared caches may reuse a public page without asking
# (`Cache-Control: public, max-age`): an edit shows to a visitor at most this late.
PUBLIC_MAX_AGE = int(os.environ.get("PUBLIC_MAX_AGE", "60"))
# The page cache's wiring (caching/): the URL namespaces whose anonymous pages it
# stores, the apps whose every write invalidates them, and the tables derived from
# those (rewritten with the records they derive from, whose writes invalidate
# already: their receivers would only slow their bulk rewrites down).
PAGE_CACHE_NAMESPACES = ("poles", "opendata", "observatory")
PAGE_CACHE_SOURCE_APPS = ("poles", "members", "territories")
PAGE_CACHE_DERIVED_MODELS = (
    "poles.PoleCoverage",
    "poles.SearchWord",
    "poles.MemberTally",
    "poles.SharedMember",
    "poles.PoleWithFigures",
)
# The views that only read (ptce_site.middleware.ReadOnlyViewsMiddleware): GET, HEAD
# and OPTIONS; any other method gets 405 with an Allow header.
READ_ONLY_URL_NAMESPACES = ("poles", "opendata", "observatory")
READ_ONLY_URL_NAMES = ("robots_txt", "sitemap", "healthz", "favicon")

# The JSON API (api/, docs/api.md): Django REST framework, its OpenAPI document by
# drf-spectacular. Reads are public and anonymous; the authentication classes are the
# list below, where the API's writes add theirs (a personal token), and every view
# states its permissions (api.permissions). Errors are RFC 9457 problem details.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.PublicReadOnly"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AddressRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_METADATA_CLASS": None,
    # No `?format=`: JSON is the API's only format, and the parameter would be one more
    # input to document and to key the validators on.
    "URL_FORMAT_OVERRIDE": None,
    "PAGE_SIZE": 20,
}
# Requests per address (ptce_site/client_address.py) and per period (s, min, h, day)
# to the API, counted in the shared cache (Redis in production); over it: 429 with
# Retry-After. "0" turns the limit off (the benchmark's load comes from one address).
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Annuaire des PTCE — API",
    "DESCRIPTION": (
        "Read access to the national directory of PTCE (pôles territoriaux de "
        "coopération économique): poles, member structures, territories, reference "
        "lists and the observatory's indicators. Data under the Licence Ouverte / "
        "Etalab 2.0. Guide: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The document lists the filters' current choices, read from the database: it
    # cannot be generated by `check --deploy` before the database exists.
    # tests/api/test_openapi.py generates and validates it instead.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "LICENSE": {
        "name": "Licence Ouverte / Etalab 2.0",
        "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    },
}
# CORS: any site may read the API from a browser (no credentials: the reads are
# anonymous). Nothing outside /api/ gets CORS headers.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = [
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "Content-Language"]
CORS_PREFLIGHT_MAX_AGE = 86400

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# E-mail: acknowledgements and decisions sent to contributors, notices to editors.
# SMTP configured from the environment; development prints them (settings/dev.py).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A slow mail server must not hold a contributor's request for long.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "annuaire-ptce@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# The SIRENE registry (registry/, docs/operations.md#sirene-registry): the State's
# "API Recherche d'entreprises", asked by staff look-ups and `refresh_registry`, never
# by a public page. Empty REGISTRY_API_URL: no look-ups (the forms work without).
REGISTRY_API_URL = os.environ.get(
    "REGISTRY_API_URL", "https://recherche-entreprises.api.gouv.fr"
).rstrip("/")
# An httpx transport factory (dotted path); None: the network, with connection retries.
REGISTRY_TRANSPORT = os.environ.get("REGISTRY_TRANSPORT") or None
REGISTRY_TIMEOUT = float(os.environ.get("REGISTRY_TIMEOUT", "5"))
# The longest a staff look-up waits for a free request slot or a Retry-After.
REGISTRY_MAX_WAIT = float(os.environ.get("REGISTRY_MAX_WAIT", "3"))
REGISTRY_USER_AGENT = os.environ.get(
    "REGISTRY_USER_AGENT", "annuaire-ptce (directory of the French PTCE; staff look-ups)"
)
REGISTRY_LOOKUPS_PER_MINUTE = int(os.environ.get("REGISTRY_LOOKUPS_PER_MINUTE", "30"))

# Suggestions from the public (suggestions/, docs/suggestions.md).
# Contributors' e-mail addresses are erased this long after the decision
# (`manage.py purge_suggestions`, to run daily); the privacy page says 12 months.
SUGGESTIONS_RETENTION_DAYS = int(os.environ.get("SUGGESTIONS_RETENTION_DAYS", "365"))
# A form sent sooner than this after it was displayed is a robot's.
SUGGESTIONS_MIN_FILL_SECONDS = float(os.environ.get("SUGGESTIONS_MIN_FILL_SECONDS", "3"))
SUGGESTIONS_MAX_FORM_AGE = 24 * 3600
# Per hour: form submissions from one connection (valid or not), suggestions stored
# for one e-mail address.
SUGGESTIONS_POSTS_PER_ADDRESS_PER_HOUR = int(
    os.environ.get("SUGGESTIONS_POSTS_PER_ADDRESS_PER_HOUR", "20")
)
SUGGESTIONS_PER_EMAIL_PER_HOUR = int(os.environ.get("SUGGESTIONS_PER_EMAIL_PER_HOUR", "5"))
# A submission's body larger than this is refused before it is read.
SUGGESTIONS_MAX_BODY_BYTES = 256 * 1024

# Map tiles: configurable so production can point at its own tile server.
LEAFLET_CONFIG = {
    "TILES": [
        (
            "OpenStreetMap",
            os.environ.get("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            {
                "attribution": os.environ.get(
                    "MAP_TILES_ATTRIBUTION",
                    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
                ),
                "maxZoom": 18,
            },
        )
    ],
    "DEFAULT_CENTER": (46.6, 2.4),
    "DEFAULT_ZOOM": 5,
    "MIN_ZOOM": 2,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
}


def _origin(url: str) -> str | None:
    """The origin of an absolute URL, `{s}` (Leaflet's subdomains) as a wildcard."""
    parts = urlsplit(url)
    if not (parts.scheme and parts.netloc):
        return None  # a path on this site: 'self'
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


# Content-Security-Policy (django-csp): scripts, styles, fonts and data from this site
# only, no inline script or style (the pages have none: configuration goes through
# json_script data blocks, colour swatches are SVG `fill` attributes); images also
# from the map tiles' host and as data: URIs (Leaflet's and the admin's icons);
# nothing may frame a page (the embeddable map replaces frame-ancestors, see
# poles.views.embed). The page cache stores responses without the header: no nonce
# would survive it, which is why there is no inline script to allow.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [
            SELF,
            "data:",
            *filter(None, (_origin(tile[1]) for tile in LEAFLET_CONFIG["TILES"])),
            *filter(None, [_origin(MEDIA_URL), _origin(STATIC_URL)]),
        ],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
