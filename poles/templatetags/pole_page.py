"""The long repeated rows of a pole's page, written in Python with every value escaped.

A pole's page repeats a table row per member structure (a hundred per page) and an
item per named cooperator (hundreds for the largest poles). Through the template
engine each member row cost a variable lookup per field and a node per `{% if %}`:
measured 2026-11-30 at national scale, these loops in Python took the pole page from
about 90 to 40 ms with the rest of that work. The surrounding markup (headings,
captions, table heads) and the short loops stay in poles/pole_detail.html.
"""

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from poles.cards import etp_text
from poles.links import web_href
from poles.markup import esc
from poles.models import Membership
from poles.numbers import integer_text

register = template.Library()

DASH = "—"


@register.simple_tag
def list_items(names) -> SafeString:
    """`<li>` per name."""
    return mark_safe("".join(f"<li>{esc(name)}</li>" for name in names))  # noqa: S308 - escaped


# --- Members table -----------------------------------------------------------------


def _abbreviation(label: str, short_label: str) -> str:
    return f'<abbr title="{esc(label)}">{esc(short_label)}</abbr>'


def _with_year(value: str, year) -> str:
    return f'{esc(value)} <span class="meta">({esc(year)})</span>'


def _years(membership, since: str, until: str) -> str:
    joined, left = membership["joined_year"], membership["left_year"]
    if joined and left:
        return esc(f"{joined}–{left}")
    # As {% blocktranslate %}: the translation is ours (markup as written), the year a
    # number.
    if joined:
        return since % {"year": int(joined)}
    if left:
        return until % {"year": int(left)}
    return DASH


@register.simple_tag
def member_rows(memberships) -> SafeString:
    """The members table's rows, from `selectors.pole_memberships()`. Every value goes
    through `esc()` (poles/markup.py): f-strings cost a third of `format_html()`."""
    roles = {value: esc(capfirst(str(label))) for value, label in Membership.Role.choices}
    since, until = _("since %(year)s"), _("until %(year)s")
    abbreviations = {}  # legal forms and approvals repeat from row to row
    rows = []
    for membership in memberships:
        name = esc(membership["name"])
        if website := web_href(membership["website"]):
            name = f'<a href="{esc(website)}" rel="noopener">{name}</a>'
        for item in (*membership["approvals"], membership["legal_form"]):
            if item and item not in abbreviations:
                abbreviations[item] = _abbreviation(*item)
        approvals = ", ".join(abbreviations[item] for item in membership["approvals"])
        legal_form = membership["legal_form"]
        etp, turnover, year = membership["etp"], membership["turnover"], membership["figures_year"]
        role = membership["role"]
        turnover = DASH if turnover is None else _with_year(f"{integer_text(turnover)} €", year)
        rows.append(
            f'<tr>\n<th scope="row">{name}</th>\n'
            f"<td>{abbreviations[legal_form] if legal_form else DASH}</td>\n"
            f"<td>{approvals or DASH}</td>\n"
            f"<td>{esc(membership['headcount_band'] or DASH)}</td>\n"
            f'<td class="num">{DASH if etp is None else _with_year(etp_text(etp), year)}</td>\n'
            f'<td class="num">'
            f"{turnover}</td>\n"
            f"<td>{roles.get(role) or esc(capfirst(role))}</td>\n"
            f"<td>{_years(membership, since, until)}</td>\n</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above


# --- Key figures table -------------------------------------------------------------


def _count(value) -> str:
    return DASH if value is None else str(value)


@register.simple_tag
def figure_rows(figures) -> SafeString:
    """The key figures table's rows, a year each (KeyFigure instances, latest first)."""
    approximate = f' <span class="approx">({esc(_("approximate"))})</span>'
    # A source is written in French: say so on a page in another language.
    french = "" if (get_language() or "fr").startswith("fr") else ' lang="fr"'
    rows = []
    for figure in figures:
        etp, turnover = figure.etp, figure.turnover
        note = f'<br><span class="meta">{esc(figure.note)}</span>' if figure.note else ""
        rows.append(
            f'<tr>\n<th scope="row">{figure.year}{approximate if figure.is_approximate else ""}'
            f"</th>\n"
            f'<td class="num">{DASH if etp is None else esc(etp_text(etp))}</td>\n'
            f'<td class="num">{DASH if turnover is None else esc(integer_text(turnover))}'
            f"{'' if turnover is None else ' €'}</td>\n"
            f'<td class="num">{_count(figure.member_structures_count)}</td>\n'
            f'<td class="num">{_count(figure.cooperators_count)}</td>\n'
            f'<td class="source"{french if figure.source else ""}>'
            f"{esc(figure.source) if figure.source else DASH}{note}</td>\n</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above


# --- Key-figure charts --------------------------------------------------------------


@register.simple_tag
def year_chart_svg(chart) -> SafeString:
    """A pole's key figure by year (poles.charts.year_chart) as SVG: coordinates are
    strings (never localised), the values are in the table beside it; hidden from
    assistive technologies. Written here rather than in a template: its twenty bars
    cost a tenth of their template's time."""
    width, height, baseline = chart.width, chart.height, chart.baseline
    unit = "€" if chart.field == "turnover" else ""
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" aria-hidden="true" '
        f'focusable="false" class="chart__svg">\n'
        f'<line x1="0" y1="{baseline}" x2="{width}" y2="{baseline}" class="chart__axis"></line>\n'
    ]
    for bar in chart.bars:
        svg = bar.svg
        approximate = " chart__bar--approx" if bar.approximate else ""
        parts.append(
            f'<rect x="{svg["x"]}" y="{svg["y"]}" width="{svg["width"]}" '
            f'height="{svg["height"]}" class="chart__bar{approximate}"></rect>\n'
        )
        if bar.labelled:
            about = "≈ " if bar.approximate else ""
            parts.append(
                f'<text x="{svg["label_x"]}" y="{bar.value_y}" text-anchor="middle" '
                f'class="chart__value">{about}{esc(bar.label)}{unit}</text>\n'
            )
        parts.append(
            f'<text x="{svg["label_x"]}" y="{chart.year_y}" text-anchor="middle" '
            f'class="chart__year">{bar.year}</text>\n'
        )
    parts.append("</svg>\n")
    return mark_safe("".join(parts))  # noqa: S308 - numbers, and the label escaped
