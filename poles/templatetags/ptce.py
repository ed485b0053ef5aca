"""Site-wide template helpers: canonical URL, the map's assets and configuration, the
directory's rows."""

import datetime
import json

from django import template
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.autoreload import file_changed
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from caching.reverse import reverse_cached
from poles import links
from poles.cards import etp_text, pole_cards_html
from poles.models import Pole
from poles.pagination import page_number
from poles.selectors import map_first_screen_poles
from territories.validators import FRANCE_BOUNDING_BOXES

register = template.Library()


@register.simple_tag
def pole_cards(poles):
    """The cards of a list of poles (poles/cards.py: one markup for every list)."""
    return pole_cards_html(poles)


@register.filter
def etp(value) -> str:
    """An ETP with up to two decimals and no trailing zero, localised (poles.cards)."""
    return etp_text(value)


@register.filter
def web_href(value) -> str:
    """A stored web address as a valid href, or "" when it must not be a link: write
    `{% with href=x.website|web_href %}{% if href %}<a href="{{ href }}">…` (see
    poles/links.py). Never put a stored address in an href as it is."""
    return links.web_href(value)


@register.filter
def mailto_href(value) -> str:
    """A stored e-mail address as a valid `mailto:` href (poles/links.py)."""
    return links.mailto_href(value)


@register.simple_tag(takes_context=True)
def absolute_static(context, path: str) -> str:
    """A static file's absolute URL (Open Graph readers need the scheme and host)."""
    url = static(path)
    request = context.get("request")
    if request is None:
        return url
    try:
        return request.build_absolute_uri(url)
    except DisallowedHost:
        # The 400 page answering a request with a host the site does not serve: the
        # host must not be echoed, and the page must render.
        return url


@register.simple_tag
def french_text_lang() -> str:
    """` lang="fr"` on an element holding text written in French (a pole's summary and
    description, a source's citation…) when the page is in another language, so that
    screen readers pronounce it in French (WCAG 3.1.2); "" on a French page."""
    if (get_language() or "fr").startswith("fr"):
        return ""
    return mark_safe(' lang="fr"')


FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@register.filter
def french_month_year(value) -> str:
    """A recorded French "janvier 2014" in the page's language ("January 2014" in
    English, through Django's month names); a bare year, or anything else, as it is."""
    parts = str(value or "").split()
    if len(parts) == 2 and parts[0].lower() in FRENCH_MONTHS and parts[1].isdigit():
        month = FRENCH_MONTHS.index(parts[0].lower()) + 1
        return f"{MONTHS[month]} {parts[1]}"
    return str(value or "")


@register.filter(expects_localtime=True)
def html_datetime(value) -> str:
    """A date or time for `<time datetime>`: ISO 8601 to the second. Django's
    `date:'c'` writes microseconds, six digits of a fraction where HTML allows three."""
    if isinstance(value, datetime.datetime | datetime.time):
        value = value.replace(microsecond=0)
    elif not isinstance(value, datetime.date):
        return ""
    return value.isoformat()


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's absolute URL without its query string, but with its page number
    beyond the first (each page of a list is its own canonical page)."""
    request = context.get("request")
    if request is None:
        return ""
    url = request.build_absolute_uri(request.path)
    page = page_number(request.GET.get("page"))
    if page and page > 1:
        url += f"?page={page}"
    return url


def _tile_layers(config) -> list[dict]:
    tiles = config.get("TILES") or []
    if isinstance(tiles, str):
        tiles = [("", tiles, {})]
    layers = []
    for tile in tiles:
        name, url, options = [*tile, {}][:3]
        layers.append({"name": str(name), "url": url, "options": dict(options or {})})
    return layers


ZONE_LABELS = {
    "metropole": lambda: _("Metropolitan France"),
    "guadeloupe": lambda: "Guadeloupe",
    "martinique": lambda: "Martinique",
    "guyane": lambda: _("French Guiana"),
    "la-reunion": lambda: _("Réunion"),
    "mayotte": lambda: "Mayotte",
}


def map_view() -> dict:
    """A map's starting view and the zones it knows (LEAFLET_CONFIG): what map.js
    starts a map with and fits it in, and what its first screen drawn before Leaflet
    is fitted from (`map_first_screen`)."""
    config = getattr(settings, "LEAFLET_CONFIG", {})
    center = config.get("DEFAULT_CENTER") or (46.6, 2.4)
    return {
        "center": [float(center[0]), float(center[1])],
        "zoom": config.get("DEFAULT_ZOOM", 5),
        "minZoom": config.get("MIN_ZOOM", 2),
        "maxZoom": config.get("MAX_ZOOM", 18),
        "zones": [
            {"key": key, "bounds": [[south, west], [north, east]]}
            for key, (south, north, west, east) in FRANCE_BOUNDING_BOXES.items()
        ],
    }


def map_config() -> dict:
    """What map.js needs, read from LEAFLET_CONFIG: handed over with json_script."""
    config = getattr(settings, "LEAFLET_CONFIG", {})
    view = map_view()
    for zone in view["zones"]:
        zone["label"] = str(ZONE_LABELS.get(zone["key"], lambda key=zone["key"]: key)())
    return {
        "tiles": _tile_layers(config),
        **view,
        "labels": {
            "zones": _("Show on the map"),
            "open": _("Open the pole's page"),
            "sectors": _("Sectors:"),
            "loading": _("Loading the map…"),
            "error": _("The map could not be loaded. The list of poles remains available."),
            "invalid": _("Invalid filters:"),
            "shown_one": _("1 pole shown on the map."),
            "shown_many": _("%(count)s poles shown on the map."),
            "none": _("No pole with a location to show on the map."),
            "unplaced_one": _("1 pole without a location is only in the list."),
            "unplaced_many": _("%(count)s poles without a location are only in the list."),
            "cluster": _("%(count)s poles: zoom in"),
            # Pages without a list of their poles (home, embed) link to the directory.
            "unplaced_one_nolist": _("1 pole without a location is not on the map."),
            "unplaced_many_nolist": _("%(count)s poles without a location are not on the map."),
            "see_list": _("See the list of the poles"),
            "closed_hidden_one": _("1 closed pole is not drawn: it is in the list."),
            "closed_hidden_many": _("%(count)s closed poles are not drawn: they are in the list."),
            "closed_hidden_one_nolist": _("1 closed pole is not drawn."),
            "closed_hidden_many_nolist": _("%(count)s closed poles are not drawn."),
            "show_closed": _("Show the closed poles (%(count)s)"),
            "legend": _("Legend"),
            "legend_help": _(
                "Colour and letters: the pole's main sector (related sectors share a "
                "colour). Shape: its status."
            ),
            "no_sector": _("No sector recorded"),
            "status": _("Status:"),
            "statuses": {value: capfirst(label) for value, label in Pole.Status.choices},
            "marker_sector": _("Main sector (the marker's colour): %(sector)s"),
            "other_sectors": _("Other sectors:"),
            "zoom_in": _("Zoom in"),
            "zoom_out": _("Zoom out"),
            "close_popup": _("Close this window"),
        },
    }


# The map's scripts and configuration depend on the language and the settings only,
# and four public pages carry them (~1.5 ms to build each time): written once per
# language, forgotten when a setting changes (tests override them).
_map_scripts_html: dict[str, str] = {}


@receiver(setting_changed)
def _forget_map_scripts(**kwargs):
    _map_scripts_html.clear()


@register.simple_tag
def ptce_map_scripts() -> str:
    language = get_language() or ""
    html = _map_scripts_html.get(language)
    if html is None:
        html = render_to_string("poles/_map_scripts.html", {"map_config": map_config()})
        _map_scripts_html[language] = html
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there


@register.filter
def carries_page_poles(feed_url: str) -> bool:
    """Whether a map fed by `feed_url` has its first screen's poles in the page: its feed
    is the unfiltered one (`map_first_screen` writes them; poles/_map_feed.html tells
    map-feed.js to parse the feed after that screen)."""
    return feed_url == reverse_cached("opendata:map_feed")


@register.simple_tag
def map_first_screen(feed_url: str, element_id: str) -> str:
    """What a map fed by `feed_url` needs to draw its first screen before Leaflet has
    arrived (map-feed.js): a JSON script element, placed just before the map's element,
    which names it (`data-first-screen`). The map's view, so that the first screen does
    not wait for map.js's configuration at the end of the page; and, when the feed is
    the unfiltered one (the directory without filters, the home page, the embed), the
    poles themselves (selectors `directory_map_first_screen`): the first screen is then
    drawn as soon as the stylesheets are in, rather than after the feed's request. A
    filtered map's first screen waits for its feed."""
    view = json.dumps(map_view(), separators=(",", ":"))
    poles = map_first_screen_poles() if carries_page_poles(feed_url) else ""
    if poles:
        # (Its text escapes "<", ">" and "&", as json_script does.)
        poles = f',"poles":{poles}'
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        mark_safe(f'{{"view":{view}{poles}}}'),  # noqa: S308 - numbers and escaped JSON
    )


class CaptureNode(template.Node):
    def __init__(self, nodelist, variable):
        self.nodelist = nodelist
        self.variable = variable

    def render(self, context):
        output = self.nodelist.render(context).strip()
        context[self.variable] = mark_safe(output)  # noqa: S308 (rendered, so already escaped)
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}…{% endcapture %}: render the content into a variable.

    base.html captures the title block this way, so that a page without a title of
    its own gets the bare site name instead of "Site · Site".
    """
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as variable %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


# --- Parts of every page that depend on the language only ----------------------------

# Rendered once per template position, language and key, then repeated: the site's
# header and footer (a dozen URLs and two dozen translated strings, about half a
# millisecond of every page). Forgotten when a setting changes (tests override them).
_remembered: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget_remembered(**kwargs):
    _remembered.clear()


@receiver(file_changed, dispatch_uid="ptce_forget_rendered_on_template_change")
def _forget_rendered_on_template_change(sender, file_path, **kwargs):
    """Under runserver, a template edited is shown without a restart (Django's
    autoreloader reloads the templates, not the process): what was rendered from the
    old ones is forgotten with them."""
    if file_path.suffix != ".py":
        _remembered.clear()
        _map_scripts_html.clear()


class RememberNode(template.Node):
    def __init__(self, nodelist, keys):
        self.nodelist = nodelist
        self.keys = keys

    def render(self, context):
        key = (
            self.origin.name,
            self.token.position,
            get_language() or "",
            *(key.resolve(context) for key in self.keys),
        )
        html = _remembered.get(key)
        if html is None:
            html = self.nodelist.render(context)
            _remembered[key] = html
        return html


@register.tag
def remember(parser, token):
    """{% remember key… %}…{% endremember %}: the content rendered once per language
    and keys, for the process's life. Only for markup that depends on nothing else (no
    data, no request but what the keys say): each key's values must be few."""
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endremember",))
    parser.delete_first_token()
    return RememberNode(nodelist, keys)


@register.simple_tag(takes_context=True)
def nav_section(context) -> str:
    """Which item of the main menu the page belongs to ("" for none)."""
    request = context.get("request")
    path = request.path if request is not None else ""
    if path == reverse_cached("poles:list"):
        return "directory"
    if path.startswith(reverse_cached("poles:territories")):
        return "territories"
    if path.startswith(reverse_cached("poles:sectors")):
        return "sectors"
    if path == reverse_cached("observatory:index"):
        return "statistics"
    return ""
