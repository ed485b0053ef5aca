"""Browser tests: Playwright's sync API driving Debian's Chromium against a live server.

Every request that is not for the live server is intercepted: map tiles get a tiny
transparent PNG, anything else is aborted and recorded, and each test fails if a
third-party request other than tiles was attempted.

Why a session-scoped server and committed seed data rather than pytest-django's
`live_server` fixture: `live_server` forces `transactional_db`, whose flush after each
test empties every table, including the 35,000 communes loaded once per session by
tests/conftest.py (6 s to reload per test). Here the seed poles are committed once,
the server is pytest-django's own `LiveServer` helper, and the teardown deletes the
poles and structures again, leaving the geography and the reference lists in place.
The browser tests run after all the others (see `pytest_collection_modifyitems`), so
no other test sees the committed seed poles.
"""

import os
import re
import shutil
import struct
import threading
import time
import zlib
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

# Playwright's sync API runs an event loop in the main thread: Django would refuse
# ORM calls there. For the browser tests only.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("PTCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def transparent_png() -> bytes:
    """A 1×1 transparent PNG, for every tile request."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


TRANSPARENT_PNG = transparent_png()


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last: their seed poles are committed for the session (the
    live server's thread must see them), so no other test may run while they exist."""
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        others = [item for item in items if not item.get_closest_marker("browser")]
        items[:] = others + browser


def require_or_skip(reason: str):
    if os.environ.get("PTCE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PTCE_REQUIRE_BROWSER=1: the browser tests must run)")
    pytest.skip(reason)


def tile_host_patterns() -> list[re.Pattern]:
    """Hosts of the configured tile layers, `{s}` standing for any subdomain."""
    tiles = settings.LEAFLET_CONFIG.get("TILES") or []
    if isinstance(tiles, str):
        tiles = [("", tiles, {})]
    patterns = []
    for tile in tiles:
        host = urlsplit(tile[1]).netloc
        patterns.append(re.compile("^" + re.escape(host).replace(r"\{s\}", r"[a-z0-9-]+") + "$"))
    return patterns


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        require_or_skip(
            f"Chromium not found at {CHROMIUM}: browser tests skipped "
            "(install Debian's chromium package, or set PTCE_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def wait_for_requests_to_finish(timeout: float = 10.0) -> None:
    """Wait until the live server has answered every request the page had started.

    Closing the browser context aborts its requests on the browser's side only: the
    server's request threads may still be running, and on SQLite in memory they share
    the test's connection. Tearing the test down under them (the database flush, or
    the server's stop at the end of the session) made them fail when they closed it.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.02)


@pytest.fixture(scope="session")
def site(django_db_setup, django_db_blocker):
    """A live server with the real seed poles, committed for the browser tests.

    The tests also use `db` (marked `django_db`): that sets up the test database and,
    on SQLite in memory, shares its connection with the server thread.
    """
    from pytest_django.live_server_helper import LiveServer

    from poles.models import Pole, Structure

    name = str(connection.settings_dict["NAME"])
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if not (in_memory or Path(name).name.startswith("test_")):
        # Only when a test of the module asks for database access does pytest-django
        # set up the test database: never write to (or clean up) another one.
        pytest.fail(f"not a test database: {name}; mark the browser tests django_db")
    with django_db_blocker.unblock():
        call_command("load_seed", stdout=StringIO())
        located = Pole.objects.published().filter(latitude__isnull=False, longitude__isnull=False)
        server = LiveServer("127.0.0.1")
        # What a map draws by default: closed poles are hidden until asked for.
        mapped = located.exclude(status=Pole.Status.CLOSED)
        server.mapped_poles = dict(mapped.values_list("slug", "name"))
        server.closed_located_poles = dict(
            located.filter(status=Pole.Status.CLOSED).values_list("slug", "name")
        )
        server._live_server_modified_settings.enable()  # noqa: SLF001 - pytest-django has no public way to keep a live server across tests
        try:
            yield server
        finally:
            wait_for_requests_to_finish()
            server._live_server_modified_settings.disable()  # noqa: SLF001 - as above
            server.stop()
            Pole.objects.all().delete()
            Structure.objects.all().delete()


class Network:
    """What the page asked for beyond the live server."""

    def __init__(self, origin: str):
        self.origin = origin
        self.tile_patterns = tile_host_patterns()
        self.tiles: list[str] = []
        self.blocked: list[str] = []

    def handle(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == self.origin or parts.scheme in {"data", "blob"}:
            route.continue_()
        elif any(pattern.match(parts.netloc) for pattern in self.tile_patterns):
            self.tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=TRANSPARENT_PNG)
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture
def network(site):
    return Network(site.url)


@pytest.fixture
def page(browser, site, network, csp_violations):
    context = browser.new_context(
        base_url=site.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    # Generous: CI runs the SQLite and PostgreSQL suites side by side on two cores.
    context.set_default_timeout(20_000)
    context.route("**/*", network.handle)
    # Every page reports what its Content-Security-Policy blocked (and Chromium's
    # console says it too): any violation fails the test, so each browser test also
    # shows that the page works under the policy.
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: record_policy_message(message, csp_violations))
    yield page
    context.close()
    wait_for_requests_to_finish()
    assert not network.blocked, f"third-party requests attempted: {network.blocked}"
    assert not errors, f"JavaScript errors: {errors}"
    assert not csp_violations, f"Content-Security-Policy or Permissions-Policy: {csp_violations}"


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    `CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""
POLICY_MESSAGES = ("CSP violation", "Content Security Policy", "Permissions-Policy")


def record_policy_message(message, violations: list[str]) -> None:
    if any(marker in message.text for marker in POLICY_MESSAGES):
        violations.append(message.text)


@pytest.fixture
def csp_violations() -> list[str]:
    """The policy violations the page reported (the `page` fixture fails on any)."""
    return []


@pytest.fixture
def axe_source() -> Path:
    if not AXE_PATH.exists():
        require_or_skip(f"{AXE_PATH} is missing: run `npm ci` for the accessibility scan")
    return AXE_PATH
