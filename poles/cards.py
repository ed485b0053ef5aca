"""The pole card: one markup for every list of poles (the directory's results, the
territory and sector pages), built by `format_html` from plain rows.

Why Python and not a template: the directory shows 20 cards on every request of its
busiest page, and through the template engine each card cost about half a millisecond
(a dozen variable lookups, a translated sentence with a localised number, the sectors'
loop), a quarter of the page's time (measured 2026-11-30 at national scale: the
directory 16 -> 3 ms for its form and rows). `format_html` escapes every value; the
sentences are the site's translated messages.
"""

from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import Pole
from .selectors import pole_url_prefix


def pole_cards_html(rows) -> SafeString:
    """The `<li class="pole-card">` items for `rows`, dicts from
    `selectors.directory_rows()` (or `selectors.pole_cards()`, the same rows)."""
    labels = {
        "status": {value: capfirst(str(label)) for value, label in Pole.Status.choices},
        "sectors": _("Activity sectors:"),
        "founded": _("founded in %(year)s"),
        "etp": _("%(etp)s full-time equivalents (ETP) in %(year)s"),
        "to_complete": _("record to complete"),
        "distance": _("%(distance)s km away"),
        "commune_distance": _("about %(distance)s km away (centre of %(commune)s)"),
        "no_distance": _("no seat position: distance unknown"),
        # Why a pole without a distance is where it is: the place's territory it is in.
        "territory": {
            "commune": _("no seat position · present in the commune: %(place)s"),
            "postal_code": _("no seat position · present in a commune of postal code %(place)s"),
            "epci": _("no seat position · present in the intercommunality: %(place)s"),
            "departement": _("no seat position · present in the département: %(place)s"),
            "region": _("no seat position · present in the région: %(place)s"),
        },
        "url_prefix": pole_url_prefix(),
        # Summaries are written in French: say so on a page in another language.
        "text_lang": "" if (get_language() or "fr").startswith("fr") else ' lang="fr"',
    }
    return format_html_join("", "{}", ((_card(row, labels),) for row in rows))


def _card(row, labels) -> SafeString:
    return format_html(
        '<li class="pole-card">\n<h3><a href="{}{}/">{}</a></h3>\n'
        '<p class="meta">{}</p>\n{}{}{}</li>\n',
        labels["url_prefix"],
        row["slug"],
        row["name"],
        _meta(row, labels),
        format_html("<p{}>{}</p>\n", mark_safe(labels["text_lang"]), row["summary"])  # noqa: S308 (a constant)
        if row["summary"]
        else "",
        _sectors(row, labels),
        _etp(row, labels),
    )


def _meta(row, labels) -> SafeString:
    seat = ""
    if row["seat_commune__name"] is not None:
        seat = format_html(
            "{} ({}) · ", row["seat_commune__name"], row["seat_commune__departement__name"]
        )
    status = row["status"]
    founded = ""
    if row["founded_year"]:
        founded = format_html(" · {}", labels["founded"] % {"year": row["founded_year"]})
    to_complete = ""
    if row.get("to_complete"):
        to_complete = format_html(' · <span class="to-complete">{}</span>', labels["to_complete"])
    if "distance_km" in row:
        seat = format_html("{}{} · ", seat, _distance(row, labels))
    return format_html(
        '{}<span class="status status--{}">{}</span>{}{}',
        seat,
        status,
        labels["status"].get(status, status),
        founded,
        to_complete,
    )


def _distance(row, labels) -> SafeString:
    distance = row["distance_km"]
    if distance is None:
        if row.get("territory"):
            kind, place = row["territory"]
            return format_html(
                '<span class="distance" data-territory="{}">{}</span>',
                kind,
                labels["territory"][kind] % {"place": place},
            )
        return format_html('<span class="distance">{}</span>', labels["no_distance"])
    # "à 12 km", "à 0,4 km": whole kilometres from 10 km on.
    shown = floatformat(distance, 0 if distance >= 10 else 1)
    if row.get("distance_from_commune"):
        text = labels["commune_distance"] % {
            "distance": shown,
            "commune": row["seat_commune__name"],
        }
    else:
        text = labels["distance"] % {"distance": shown}
    return format_html(
        '<span class="distance" data-distance-km="{}">{}</span>', f"{distance:.1f}", text
    )


def _sectors(row, labels) -> SafeString | str:
    if not row["sectors"]:
        return ""
    tags = format_html_join(
        " ", '<span class="tag">{}</span>', ((label,) for label in row["sectors"])
    )
    return format_html(
        '<p class="pole-card__sectors"><span class="visually-hidden">{} </span>{}</p>\n',
        labels["sectors"],
        tags,
    )


def etp_text(value, *, grouping: bool = True) -> str:
    """An ETP as readers write it, in their language: up to two decimals (0,75 for a
    three-quarter-time post), no trailing zero (12,5; 145)."""
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    decimals = min(max(0, -exponent), 2) if isinstance(exponent, int) else 0
    return floatformat(value, f"{decimals}g" if grouping else str(decimals))


def _etp(row, labels) -> SafeString | str:
    if row["latest_etp"] is None:
        return ""
    sentence = labels["etp"] % {
        "etp": etp_text(row["latest_etp"], grouping=False),
        "year": row["latest_etp_year"],
    }
    return format_html('<p class="meta">{}</p>\n', sentence)
