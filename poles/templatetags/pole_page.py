"""The repeated rows of a pole's page, rendered in Python.

A pole's page repeats a table row per member structure (a hundred per page) and per
key figure, a bar per year in its charts, and an item per named cooperator (hundreds
for the largest poles). Through the template engine, each row costs a variable lookup
per field and a node per `{% if %}`; here a row is one string, its values escaped.
The surrounding markup (headings, captions, table heads) stays in
poles/pole_detail.html.

The output is what the template wrote: same markup, same escaping, the same
translated strings and the same number formats (the template filters are called).
"""

import html

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from poles.links import web_href
from poles.models import Membership

register = template.Library()

DASH = "—"


def _escape(value) -> str:
    """As `django.utils.html.escape()`, which is this call behind a lazy-string wrapper
    that costs more than the escaping itself in loops of hundreds."""
    return html.escape(str(value))


@register.simple_tag
def list_items(names) -> str:
    """`<li>` per name, escaped."""
    return mark_safe("".join(f"<li>{_escape(name)}</li>" for name in names))  # noqa: S308 (escaped)


# --- Members table -----------------------------------------------------------------


def _abbreviation(label: str, short_label: str) -> str:
    return f'<abbr title="{_escape(label)}">{_escape(short_label)}</abbr>'


def _with_year(value: str, year) -> str:
    return f'{_escape(value)} <span class="meta">({_escape(year)})</span>'


@register.simple_tag
def member_rows(memberships) -> str:
    """The members table's rows, from `selectors.pole_memberships()`."""
    roles = {value: _escape(capfirst(str(label))) for value, label in Membership.Role.choices}
    # As {% blocktranslate %}: the translation is markup, the year a number.
    since, until = _("since %(year)s"), _("until %(year)s")
    abbreviations = {}  # legal forms and approvals repeat from row to row
    rows = []
    for membership in memberships:
        name = _escape(membership["name"])
        if website := web_href(membership["website"]):
            name = f'<a href="{_escape(website)}" rel="noopener">{name}</a>'
        approvals = []
        for approval in membership["approvals"]:
            if approval not in abbreviations:
                abbreviations[approval] = _abbreviation(*approval)
            approvals.append(abbreviations[approval])
        legal_form = membership["legal_form"]
        if legal_form and legal_form not in abbreviations:
            abbreviations[legal_form] = _abbreviation(*legal_form)
        etp, turnover, year = membership["etp"], membership["turnover"], membership["figures_year"]
        role = membership["role"]
        joined, left = membership["joined_year"], membership["left_year"]
        if joined and left:
            years = f"{joined}–{left}"
        elif joined:
            years = since % {"year": joined}
        elif left:
            years = until % {"year": left}
        else:
            years = DASH
        rows.append(
            f'<tr>\n<th scope="row">{name}</th>\n'
            f"<td>{abbreviations[legal_form] if legal_form else DASH}</td>\n"
            f"<td>{', '.join(approvals) or DASH}</td>\n"
            f"<td>{_escape(membership['headcount_band'] or DASH)}</td>\n"
            '<td class="num">'
            f"{DASH if etp is None else _with_year(floatformat(etp, '-1g'), year)}</td>\n"
            '<td class="num">'
            f"{DASH if turnover is None else _with_year(f'{intcomma(turnover)} €', year)}</td>\n"
            f"<td>{roles.get(role) or _escape(capfirst(role))}</td>\n"
            f"<td>{years}</td>\n</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value escaped above)


# --- Key figures -------------------------------------------------------------------


def _or_dash(value) -> str:
    return DASH if value is None else _escape(value)


@register.simple_tag
def key_figure_rows(figures) -> str:
    """The key figures table's rows, from the pole's KeyFigure rows."""
    approximate = _escape(_("approximate"))
    rows = []
    for figure in figures:
        year = _escape(figure.year)
        if figure.is_approximate:
            year += f' <span class="approx">({approximate})</span>'
        source = _escape(figure.source or DASH)
        if figure.note:
            source += f'<br><span class="meta">{_escape(figure.note)}</span>'
        etp, turnover = figure.etp, figure.turnover
        rows.append(
            f'<tr>\n<th scope="row">{year}</th>\n'
            f'<td class="num">{DASH if etp is None else _escape(floatformat(etp, "-1g"))}</td>\n'
            '<td class="num">'
            f"{DASH if turnover is None else _escape(f'{intcomma(turnover)} €')}</td>\n"
            f'<td class="num">{_or_dash(figure.member_structures_count)}</td>\n'
            f'<td class="num">{_or_dash(figure.cooperators_count)}</td>\n'
            f'<td class="source">{source}</td>\n</tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value escaped above)


@register.simple_tag
def chart_svg(chart) -> str:
    """A `poles.charts.Chart` as inline SVG. Coordinates are plain numbers, never
    localised ("12,5" would break the SVG)."""
    unit = "€" if chart.field == "turnover" else ""
    parts = [
        f'<svg viewBox="0 0 {chart.width} {chart.height}" width="100%" aria-hidden="true"'
        ' focusable="false" class="chart__svg">',
        f'<line x1="0" y1="{chart.baseline}" x2="{chart.width}" y2="{chart.baseline}"'
        ' class="chart__axis"></line>',
    ]
    for bar in chart.bars:
        approx = " chart__bar--approx" if bar.approximate else ""
        parts.append(
            f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}"'
            f' class="chart__bar{approx}"></rect>'
        )
        if bar.labelled:
            # 4 units above the bar, on a whole unit (as the template's `add` filter did).
            parts.append(
                f'<text x="{bar.label_x}" y="{int(bar.y) - 4}" text-anchor="middle"'
                f' class="chart__value">{"≈ " if bar.approximate else ""}'
                f"{_escape(bar.label)}{unit}</text>"
            )
        parts.append(
            f'<text x="{bar.label_x}" y="{chart.year_y}" text-anchor="middle"'
            f' class="chart__year">{bar.year}</text>'
        )
    parts.append("</svg>")
    return mark_safe("\n".join(parts))  # noqa: S308 (numbers, and the label escaped)
