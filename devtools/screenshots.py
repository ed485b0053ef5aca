"""Screenshots of the directory for the documentation (docs/screenshots/), taken with
Playwright and Debian's Chromium from a running site:

    .venv/bin/python devtools/screenshots.py http://127.0.0.1:8000 docs/screenshots

On a phone (390 × 844) and a laptop (1366 × 900), filters closed and open, with two
active filters. Nothing leaves the machine: requests to other hosts (the map tiles) are
aborted, so the maps show their markers on a blank background.
"""

import argparse
import os
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("PTCE_CHROMIUM", "/usr/bin/chromium")
PATH = "/poles/?region=53&statut=actif"
VIEWPORTS = {"phone": (390, 844), "laptop": (1366, 900)}


def take(base_url: str, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    taken = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                base_url=base_url, locale="fr-FR", viewport={"width": width, "height": height}
            )
            context.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(origin) else route.abort()
                ),
            )
            page = context.new_page()
            page.goto(PATH)
            page.wait_for_function(
                "() => { const map = document.querySelector('[data-ptce-map]');"
                " return map && map.ptceMap && map.ptceMap.markers"
                " && !map.hasAttribute('aria-busy'); }"
            )
            for state in ("closed", "open"):
                page.evaluate(
                    "(open) => { document.querySelector('[data-filters-panel]').open = open; }",
                    state == "open",
                )
                page.evaluate("() => window.scrollTo(0, 0)")
                page.wait_for_timeout(300)
                path = folder / f"directory-{name}-filters-{state}.png"
                page.screenshot(path=path)
                taken.append(path)
            context.close()
        browser.close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the running site, e.g. http://127.0.0.1:8000")
    parser.add_argument("folder", type=Path, help="where to write the PNG files")
    arguments = parser.parse_args()
    for path in take(arguments.base_url, arguments.folder):
        print(path)


if __name__ == "__main__":
    main()
