"""The benchmark's browser timing: from navigation to the first marker on /poles/.

Debian's Chromium driven by Playwright (as in tests/browser), on the loopback, tiles
and every other outside request blocked (their host names resolve to nothing): the time, from
the navigation's start (`performance.timeOrigin`), until the first marker or cluster
icon is in the page, read by a MutationObserver installed before any of the page's
scripts. Each navigation in a fresh browser context (no HTTP cache): a first visit.
"""

import os
import statistics
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("PTCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

# Records when the first marker (or cluster) icon enters the DOM, and when the feed's
# response starts and ends (Resource Timing).
OBSERVER = """
window.__ptceFirstMarker = null;
new MutationObserver(function (mutations, observer) {
  if (document.querySelector(".leaflet-marker-icon")) {
    window.__ptceFirstMarker = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""
TIMINGS = """() => {
  const resources = performance.getEntriesByType("resource");
  // The maps' feed: the one the map element names (data-feed-url).
  const map = document.querySelector("[data-ptce-map][data-feed-url]");
  const feedPath = map
    ? new URL(map.getAttribute("data-feed-url"), location.href).pathname
    : "/poles.geojson";
  const feeds = resources.filter((entry) => new URL(entry.name).pathname === feedPath);
  const feed = feeds[0];
  const navigation = performance.getEntriesByType("navigation")[0];
  // (Not the feed: its preload is a `link` too.)
  const ends = (kind) => Math.max(0, ...resources
    .filter((entry) => entry.initiatorType === kind && !feeds.includes(entry))
    .map((entry) => entry.responseEnd));
  return {
    first_marker_ms: window.__ptceFirstMarker,
    html_first_byte_ms: navigation ? navigation.responseStart : null,
    html_end_ms: navigation ? navigation.responseEnd : null,
    // The last stylesheet and script (render- and parser-blocking) received.
    css_end_ms: ends("link"),
    scripts_end_ms: ends("script"),
    dom_interactive_ms: navigation ? navigation.domInteractive : null,
    dom_content_loaded_ms: navigation ? navigation.domContentLoadedEventEnd : null,
    load_ms: navigation ? navigation.loadEventEnd : null,
    feed_start_ms: feed ? feed.startTime : null,
    feed_end_ms: feed ? feed.responseEnd : null,
    feed_bytes: feed ? feed.encodedBodySize : null,
    feed_decoded_bytes: feed ? feed.decodedBodySize : null,
    // 1 when the page's fetch (map-feed.js's, else map.js's) took the preloaded response.
    feed_requests: feeds.length,
    // static/poles/js/map-feed.js's and map.js's steps: the feed parsed early, the first
    // screen before Leaflet, map ready, feed parsed, first screen (preview), markers
    // built, clustered.
    ...Object.fromEntries(performance.getEntriesByType("mark")
      .filter((mark) => mark.name.startsWith("ptce:"))
      .map((mark) => [mark.name.slice(5).replace(/-/g, "_") + "_ms", mark.startTime])),
  };
}"""


# Chromium's Performance metrics (seconds of the renderer's main thread CPU time with
# `threadTicks`), read once the first marker is in the page: its cost on the CPU, which
# the load of a shared machine does not inflate as it does the wall-clock marks.
CPU_METRICS = {
    "cpu_task_ms": "TaskDuration",
    "cpu_script_ms": "ScriptDuration",
    "cpu_layout_ms": "LayoutDuration",
    "cpu_style_ms": "RecalcStyleDuration",
}


def available() -> str | None:
    """Why the browser timing cannot run, or None."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM}"
    return None


def first_marker(base: str, path: str = "/poles/", *, runs: int = 10) -> dict:
    """Navigation-to-first-marker times on `base + path` over `runs` first visits:
    median, p95 (nearest rank), each run's numbers."""
    host = urlsplit(base).hostname
    samples = []
    # Outside hosts (tiles) resolve to nothing, so their requests fail at once. Not
    # Playwright's request interception: routing every request through the driver
    # delayed each of the page's own by milliseconds, which no visitor's browser does.
    block_outside = f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {host}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, block_outside]
        )
        try:
            for _ in range(runs + 1):  # the first one warms the server up: not counted
                # nginx's throwaway certificate (run.py): trusted for this run only.
                context = browser.new_context(
                    viewport={"width": 1280, "height": 900}, ignore_https_errors=True
                )
                page = context.new_page()
                page.add_init_script(OBSERVER)
                # The renderer's CPU time (thread ticks, not wall time): what the page
                # costs the browser, whatever else the machine runs.
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
                page.goto(base + path, wait_until="load")
                # Not wait_for_function: a predicate given as text is an eval, which the
                # site's Content-Security-Policy refuses.
                page.wait_for_selector(".leaflet-marker-icon", state="attached", timeout=30_000)
                sample = page.evaluate(TIMINGS)
                metrics = {
                    metric["name"]: metric["value"]
                    for metric in cdp.send("Performance.getMetrics")["metrics"]
                }
                for name, key in CPU_METRICS.items():
                    if key in metrics:
                        sample[name] = metrics[key] * 1000
                samples.append(sample)
                context.close()
        finally:
            browser.close()
    samples = samples[1:]
    times = sorted(sample["first_marker_ms"] for sample in samples)
    rank = max(0, -(-95 * len(times) // 100) - 1)
    # Every mark any visit set (one visit may lack one: its step never ran, or ran late).
    names = [
        name for name in dict.fromkeys(key for s in samples for key in s) if name != "feed_requests"
    ]
    marks = {}
    for name in names:
        values = [sample[name] for sample in samples if sample.get(name) is not None]
        if values:
            marks[name] = round(statistics.median(values), 1)
    return {
        "path": path,
        "runs": len(times),
        # Each mark's median over the runs: where the time to the first marker goes.
        "marks": marks,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[rank], 1),
        "samples": [
            {name: round(value, 1) if value is not None else None for name, value in s.items()}
            for s in samples
        ],
    }
