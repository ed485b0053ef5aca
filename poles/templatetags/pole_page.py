"""The long repeated rows of a pole's page, built with `format_html`.

A pole's page repeats a table row per member structure (a hundred per page) and an
item per named cooperator (hundreds for the largest poles). Through the template
engine each member row cost a variable lookup per field and a node per `{% if %}`:
measured 2026-11-30 at national scale, these loops in Python took the pole page from
about 90 to 40 ms with the rest of that work. The surrounding markup (headings,
captions, table heads) and the short loops stay in poles/pole_detail.html.
"""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from poles.cards import etp_text
from poles.links import web_href
from poles.models import Membership

register = template.Library()

DASH = "—"


@register.simple_tag
def list_items(names) -> SafeString:
    """`<li>` per name."""
    return format_html_join("", "<li>{}</li>", ((name,) for name in names))


# --- Members table -----------------------------------------------------------------


def _abbreviation(label: str, short_label: str) -> SafeString:
    return format_html('<abbr title="{}">{}</abbr>', label, short_label)


def _with_year(value: str, year) -> SafeString:
    return format_html('{} <span class="meta">({})</span>', value, year)


def _years(membership, since: str, until: str) -> str:
    joined, left = membership["joined_year"], membership["left_year"]
    if joined and left:
        return f"{joined}–{left}"
    # As {% blocktranslate %}: the translation is ours (markup as written), the year a
    # number.
    if joined:
        return mark_safe(since % {"year": int(joined)})  # noqa: S308
    if left:
        return mark_safe(until % {"year": int(left)})  # noqa: S308
    return DASH


@register.simple_tag
def member_rows(memberships) -> SafeString:
    """The members table's rows, from `selectors.pole_memberships()`."""
    roles = {value: capfirst(str(label)) for value, label in Membership.Role.choices}
    since, until = _("since %(year)s"), _("until %(year)s")
    abbreviations = {}  # legal forms and approvals repeat from row to row
    rows = []
    for membership in memberships:
        name = membership["name"]
        if website := web_href(membership["website"]):
            name = format_html('<a href="{}" rel="noopener">{}</a>', website, name)
        for item in (*membership["approvals"], membership["legal_form"]):
            if item and item not in abbreviations:
                abbreviations[item] = _abbreviation(*item)
        approvals = format_html_join(
            ", ", "{}", ((abbreviations[item],) for item in membership["approvals"])
        )
        legal_form = membership["legal_form"]
        etp, turnover, year = membership["etp"], membership["turnover"], membership["figures_year"]
        role = membership["role"]
        rows.append(
            format_html(
                '<tr>\n<th scope="row">{}</th>\n<td>{}</td>\n<td>{}</td>\n<td>{}</td>\n'
                '<td class="num">{}</td>\n<td class="num">{}</td>\n<td>{}</td>\n<td>{}</td>\n</tr>',
                name,
                abbreviations[legal_form] if legal_form else DASH,
                approvals or DASH,
                membership["headcount_band"] or DASH,
                DASH if etp is None else _with_year(etp_text(etp), year),
                DASH if turnover is None else _with_year(f"{intcomma(turnover)} €", year),
                roles.get(role) or capfirst(role),
                _years(membership, since, until),
            )
        )
    return format_html_join("\n", "{}", ((row,) for row in rows))
