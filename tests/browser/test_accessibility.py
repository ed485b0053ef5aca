"""An axe-core scan (npm package `axe-core`, injected into the page) of the main pages."""

import pytest

from .helpers import wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

BLOCKING = {"serious", "critical"}


def describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/poles/",
        "/poles/ptce-pays-de-bray/",
        "/poles/ptce-pays-de-bray/suggestion/",
        "/contribuer/",
        "/accessibilite/",
    ],
)
def test_no_serious_or_critical_accessibility_violation(page, axe_source, path):
    page.goto(path)
    if page.locator("[data-ptce-map][data-feed-url]").count():
        wait_for_map(page)
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
    # does not govern: an injected <script> element would be blocked (no inline script).
    page.evaluate(axe_source.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    if blocking:
        print(describe(blocking))
    assert not blocking, describe(blocking)
