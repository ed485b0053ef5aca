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
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .markup import esc
from .models import Pole
from .numbers import decimal_text
from .selectors import pole_url_prefix


def pole_cards_html(rows) -> SafeString:
    """The `<li class="pole-card">` items for `rows`, dicts from
    `selectors.directory_rows()` (or `selectors.pole_cards()`, the same rows)."""
    labels = {
        "status": {value: esc(capfirst(str(label))) for value, label in Pole.Status.choices},
        "sectors": esc(_("Activity sectors:")),
        "founded": _("founded in %(year)s"),
        "etp": _("%(etp)s full-time equivalents (ETP) in %(year)s"),
        "to_complete": esc(_("record to complete")),
        "distance": _("%(distance)s km away"),
        "commune_distance": _("about %(distance)s km away (centre of %(commune)s)"),
        "no_distance": esc(_("no seat position: distance unknown")),
        # Why a pole without a distance is where it is: the place's territory it is in.
        "territory": {
            "commune": _("no seat position · present in the commune: %(place)s"),
            "postal_code": _("no seat position · present in a commune of postal code %(place)s"),
            "epci": _("no seat position · present in the intercommunality: %(place)s"),
            "departement": _("no seat position · present in the département: %(place)s"),
            "region": _("no seat position · present in the région: %(place)s"),
        },
        "url_prefix": esc(pole_url_prefix()),
        # Summaries are written in French: say so on a page in another language.
        "text_lang": "" if (get_language() or "fr").startswith("fr") else ' lang="fr"',
    }
    return mark_safe("".join(_card(row, labels) for row in rows))  # noqa: S308 - escaped below


# Each value goes through `esc()` (poles/markup.py), the labels once above; the
# f-strings cost a third of `format_html()`'s parse of the same markup.


def _card(row, labels) -> str:
    summary = row["summary"]
    summary_html = f"<p{labels['text_lang']}>{esc(summary)}</p>\n" if summary else ""
    return (
        f'<li class="pole-card">\n<h3><a href="{labels["url_prefix"]}{esc(row["slug"])}/">'
        f"{esc(row['name'])}</a></h3>\n"
        f'<p class="meta">{_meta(row, labels)}</p>\n{summary_html}{_sectors(row, labels)}'
        f"{_etp(row, labels)}</li>\n"
    )


def _meta(row, labels) -> str:
    seat = ""
    if row["seat_commune__name"] is not None:
        seat = (
            f"{esc(row['seat_commune__name'])} ({esc(row['seat_commune__departement__name'])}) · "
        )
    status = row["status"]
    founded = ""
    if row["founded_year"]:
        founded = f" · {esc(labels['founded'] % {'year': row['founded_year']})}"
    to_complete = ""
    if row.get("to_complete"):
        to_complete = f' · <span class="to-complete">{labels["to_complete"]}</span>'
    if "distance_km" in row:
        seat = f"{seat}{_distance(row, labels)} · "
    status_label = labels["status"].get(status) or esc(status)
    return (
        f'{seat}<span class="status status--{esc(status)}">{status_label}</span>'
        f"{founded}{to_complete}"
    )


def _distance(row, labels) -> str:
    distance = row["distance_km"]
    if distance is None:
        if row.get("territory"):
            kind, place = row["territory"]
            sentence = esc(labels["territory"][kind] % {"place": place})
            return f'<span class="distance" data-territory="{esc(kind)}">{sentence}</span>'
        return f'<span class="distance">{labels["no_distance"]}</span>'
    # "à 12 km", "à 0,4 km": whole kilometres from 10 km on.
    shown = floatformat(distance, 0 if distance >= 10 else 1)
    if row.get("distance_from_commune"):
        text = labels["commune_distance"] % {
            "distance": shown,
            "commune": row["seat_commune__name"],
        }
    else:
        text = labels["distance"] % {"distance": shown}
    return f'<span class="distance" data-distance-km="{distance:.1f}">{esc(text)}</span>'


def _sectors(row, labels) -> str:
    if not row["sectors"]:
        return ""
    tags = " ".join(f'<span class="tag">{esc(label)}</span>' for label in row["sectors"])
    return (
        f'<p class="pole-card__sectors"><span class="visually-hidden">{labels["sectors"]} '
        f"</span>{tags}</p>\n"
    )


def etp_text(value, *, grouping: bool = True) -> str:
    """An ETP as readers write it, in their language: up to two decimals (0,75 for a
    three-quarter-time post), no trailing zero (12,5; 145)."""
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    decimals = min(max(0, -exponent), 2) if isinstance(exponent, int) else 0
    return decimal_text(value, decimals, grouping=grouping)


def _etp(row, labels) -> str:
    if row["latest_etp"] is None:
        return ""
    sentence = labels["etp"] % {
        "etp": etp_text(row["latest_etp"], grouping=False),
        "year": row["latest_etp_year"],
    }
    return f'<p class="meta">{esc(sentence)}</p>\n'
