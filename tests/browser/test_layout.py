"""Nothing clipped (issue 17, item 12), and no accessibility violation on the figures'
pages, in French and English, on a phone (390×844) and a laptop (1366×900).

A table either fits its column or scrolls in its own box (`.table-scroll`) that shows
it scrolls (shadows on the edges with more to see); a chart's label never passes the
edge of its chart; the page itself never scrolls sideways.
"""

import pytest

from .helpers import wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

VIEWPORTS = {"phone": (390, 844), "laptop": (1366, 900)}
PAGES = [
    "/poles/recycl-occ-textile/",  # the most members of the seed
    "/poles/le-damier/",  # four years of key figures: a chart and its table
    "/statistiques/",
    "/statistiques/?region=76",
    "/",
]

# Everything that overflows without a scroll box and its cue, as readable strings.
OVERFLOWS = """
() => {
  const problems = [];
  const describe = (el) => {
    const caption = el.querySelector("caption");
    return (caption ? caption.textContent : el.outerHTML).trim().slice(0, 60);
  };
  for (const table of document.querySelectorAll("main table")) {
    const holder = table.parentElement;
    const width = table.getBoundingClientRect().width;
    if (width <= holder.clientWidth + 1) continue;
    const box = table.closest(".table-scroll");
    if (!box || box !== holder) {
      problems.push(`table wider than its column, not in a scroll box: ${describe(table)}`);
      continue;
    }
    const style = getComputedStyle(box);
    if (!["auto", "scroll"].includes(style.overflowX)) {
      problems.push(`scroll box that does not scroll: ${describe(table)}`);
    }
    const shadows = (style.backgroundImage.match(/radial-gradient/g) || []).length;
    if (shadows < 2 || !style.backgroundAttachment.includes("local")) {
      problems.push(`scroll box without its visible cue: ${describe(table)}`);
    }
    if (box.getAttribute("tabindex") !== "0") {
      problems.push(`scroll box not reachable by keyboard: ${describe(table)}`);
    }
    if (box.getBoundingClientRect().width > box.parentElement.clientWidth + 1) {
      problems.push(`scroll box wider than its column: ${describe(table)}`);
    }
    const caption = table.querySelector("caption");
    if (caption && caption.getBoundingClientRect().right > box.getBoundingClientRect().right + 1) {
      problems.push(`caption cut by its scroll box: ${describe(table)}`);
    }
  }
  for (const svg of document.querySelectorAll("main svg")) {
    const frame = svg.getBoundingClientRect();
    if (!frame.width) continue;
    for (const text of svg.querySelectorAll("text")) {
      const box = text.getBoundingClientRect();
      if (box.left < frame.left - 1 || box.right > frame.right + 1 ||
          box.top < frame.top - 1 || box.bottom > frame.bottom + 1) {
        problems.push(`chart label cut: "${text.textContent}"`);
      }
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page scrolls sideways: ${page.scrollWidth} px in ${window.innerWidth}`);
  }
  return problems;
}
"""


def new_page(browser, site, network, *, viewport, locale="fr-FR"):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        base_url=site.url, locale=locale, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(20_000)
    context.route("**/*", network.handle)
    return context, context.new_page()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("path", PAGES)
def test_no_table_or_label_is_cut(browser, site, network, viewport, path):
    context, page = new_page(browser, site, network, viewport=viewport)
    try:
        page.goto(path)
        problems = page.evaluate(OVERFLOWS)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_a_wide_table_scrolls_with_its_cue_on_a_phone(browser, site, network):
    """The members table (eight columns) cannot fit 390 px: it scrolls in its box, and
    the box's right edge shows a shadow until its end is reached."""
    context, page = new_page(browser, site, network, viewport="phone")
    try:
        page.goto("/poles/recycl-occ-textile/")
        box = page.locator(".table-scroll:has(table.members)")
        sizes = box.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
        assert sizes[0] > sizes[1]
        # Scrolled to its end, the last column ("Years") is in view.
        box.evaluate("(el) => { el.scrollLeft = el.scrollWidth; }")
        last = page.locator("table.members thead th").last
        right = last.evaluate("(el) => el.getBoundingClientRect().right")
        assert right <= box.evaluate("(el) => el.getBoundingClientRect().right") + 1
    finally:
        context.close()


def test_the_laptop_shows_every_member_column_without_scrolling(browser, site, network):
    """At 1366 px the members table fits the 720 px column: "Role" reads whole and
    "Years" shows (it was 823 px, cut at "Fondateu")."""
    context, page = new_page(browser, site, network, viewport="laptop")
    try:
        page.goto("/poles/recycl-occ-textile/")
        box = page.locator(".table-scroll:has(table.members)")
        scroll_width, client_width = box.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
        assert scroll_width <= client_width
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
@pytest.mark.parametrize("path", ["/statistiques/", "/poles/le-damier/", "/"])
def test_no_accessibility_violation_on_the_figures(
    browser, site, network, axe_source, locale, path
):
    context, page = new_page(browser, site, network, viewport="laptop", locale=locale)
    try:
        page.goto(path)
        if page.locator("[data-ptce-map][data-feed-url]").count():
            wait_for_map(page)
        language = page.evaluate("document.documentElement.lang")
        assert language == locale[:2]
        page.evaluate(axe_source.read_text(encoding="utf-8"))
        results = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
    finally:
        context.close()
    violations = [
        f"[{item['impact']}] {item['id']}: {node['target']}"
        for item in results["violations"]
        for node in item["nodes"][:5]
    ]
    assert not violations, "\n".join(violations)
