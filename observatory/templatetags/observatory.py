from decimal import ROUND_DOWN, Decimal

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.formats import get_format, number_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

DASH = "—"


@register.filter
def obs_value(row: dict, key: str):
    return row.get(key)


@register.filter
def obs_number(value) -> str:
    """A count with thousands separators, a share or an ETP with one decimal."""
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return number_format(value, 1, force_grouping=True)
    if isinstance(value, float):
        return number_format(round(value, 1), 1, force_grouping=True)
    return number_format(int(value), 0, force_grouping=True)


class _Numbers:
    """`obs_number` for a whole table: the language's separators read once (Django's
    number_format looks them up for every number)."""

    def __init__(self):
        self.decimal = get_format("DECIMAL_SEPARATOR")
        self.thousands = get_format("THOUSAND_SEPARATOR")

    def __call__(self, value) -> str:
        if isinstance(value, Decimal) and value != value.to_integral_value():
            text = f"{value.quantize(Decimal('0.1'), rounding=ROUND_DOWN):,}"
        elif isinstance(value, float):
            text = f"{round(value, 1):,.1f}"
        else:
            text = f"{int(value):,}"
        return text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands)


def _cell(row: dict, column, first: bool, number) -> str:
    value = row.get(column.key)
    if column.key == "label" and row.get("url"):
        content = format_html('<a href="{}">{}</a>', row["url"], value)
    elif value is None:
        content = DASH
    elif column.numeric:
        content = number(value)
    else:
        content = conditional_escape(value)
    if first:
        return f'<th scope="row">{content}</th>'
    return f'<td class="num">{content}</td>' if column.numeric else f"<td>{content}</td>"


@register.simple_tag
def obs_table(indicator, computed_on=None) -> SafeString:
    """An indicator's numbers, the accessible alternative to its chart, in a scroll
    container that shows when it scrolls (docs/observatory.md#honest-figures).

    Written in Python rather than by a template: the eleven tables hold some six hundred
    cells, which cost most of the page's rendering through template tags."""
    columns = indicator.table_columns
    caption = conditional_escape(indicator.title)
    if computed_on:
        caption += " — " + conditional_escape(
            _("computed on %(date)s") % {"date": date_filter(computed_on, "DATE_FORMAT")}
        )
    head = "".join(
        f'<th scope="col" class="num">{conditional_escape(column.label)}</th>'
        if column.numeric
        else f'<th scope="col">{conditional_escape(column.label)}</th>'
        for column in columns
    )
    number = _Numbers()
    rows = [
        "<tr>"
        + "".join(_cell(row, column, index == 0, number) for index, column in enumerate(columns))
        + "</tr>"
        for row in indicator.rows
    ]
    if not rows:
        empty = conditional_escape(_("No data for these poles."))
        rows = [f'<tr><td colspan="{len(columns)}">{empty}</td></tr>']
    slug = conditional_escape(indicator.slug)
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<div class="table-scroll" tabindex="0" role="region" aria-labelledby="{slug}-caption">'
        f'<table class="obs-table obs-table--{len(columns)}-columns">'
        f'<caption id="{slug}-caption">{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
