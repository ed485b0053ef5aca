"""Small helpers shared by the browser tests."""

import contextlib

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

MAP_READY = """
(selector) => {
  const el = document.querySelector(selector);
  return !!(el && el.ptceMap && el.ptceMap.markers && !el.hasAttribute("aria-busy"));
}
"""

# Poles drawn in the current view (single markers, and the poles each cluster counts),
# plus the map's markers outside that view (overseas, while the view is metropolitan
# France: the cluster layer draws only what is in view).
COUNT_ON_MAP = """
(selector) => {
  const el = document.querySelector(selector);
  const singles = el.querySelectorAll(".leaflet-marker-icon.ptce-marker").length;
  let clustered = 0;
  el.querySelectorAll(".leaflet-marker-icon.ptce-cluster").forEach((cluster) => {
    clustered += parseInt(cluster.querySelector(".ptce-cluster__count span").textContent, 10);
  });
  const view = el.ptceMap.map.getBounds();
  const outside = (el.ptceMap.markers || []).filter(
    (marker) => !view.contains(marker.getLatLng())
  ).length;
  return singles + clustered + outside;
}
"""


def wait_for_map(page, selector="[data-ptce-map]"):
    page.wait_for_function(MAP_READY, arg=selector)


def markers_on_map(page, selector="[data-ptce-map]") -> int:
    """Poles shown: single markers plus the poles counted in cluster markers."""
    return page.evaluate(COUNT_ON_MAP, selector)


def expect_markers(page, expected: int, selector="[data-ptce-map]") -> None:
    """Wait for the map to settle (cluster animations) on `expected` poles, then check."""
    # A timeout is not the failure to report: the assertion below says what was shown.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            f"(selector) => ({COUNT_ON_MAP})(selector) === {int(expected)}", arg=selector
        )
    shown = markers_on_map(page, selector)
    assert shown == expected, f"{shown} poles on the map instead of {expected}"
