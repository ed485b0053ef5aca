"""The site works under its Content-Security-Policy: the maps, the directory's live
filters and the admin seat map (tests/browser/test_admin_seat_map.py) run with it, and
the `page` fixture fails any test whose page reports a violation. Here: the policy is
really enforced in the browser, and a violation is really seen."""

import pytest

from tests.seed_data import seed_names, seed_rows

from .helpers import expect_markers, wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_policy_is_enforced_and_a_violation_is_reported(page, csp_violations):
    response = page.goto("/poles/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    wait_for_map(page)
    # An inline script and a foreign image, as an injection would add them.
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
          const image = document.createElement("img");
          image.src = "https://evil.example/pixel.png";
          document.body.append(image);
        }"""
    )
    page.wait_for_function("() => true")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.injected === undefined")
    blocked = list(csp_violations)
    csp_violations.clear()  # expected here: do not fail the fixture's check
    assert any("script-src" in message for message in blocked), blocked
    assert any("img-src" in message for message in blocked), blocked


def test_the_maps_and_live_filters_run_under_the_policy(page, site):
    page.goto("/")
    wait_for_map(page)
    expect_markers(page, len(site.mapped_poles))
    culture = seed_names(sectors="culture-industries-creatives")
    seated = [
        row
        for row in seed_rows()
        if row.get("seat_commune") and "culture-industries-creatives" in row.get("sectors", [])
    ]
    page.goto("/poles/")
    wait_for_map(page)
    page.locator('input[name="secteur"][value="culture-industries-creatives"]').check()
    page.wait_for_function(
        f"() => document.querySelectorAll('.pole-results li.pole-card').length === {len(culture)}"
    )
    expect_markers(page, len(seated))
    page.goto("/embed/?secteur=culture-industries-creatives")
    wait_for_map(page)
    expect_markers(page, len(seated))
    page.goto("/statistiques/")
    page.locator("h1").wait_for()
