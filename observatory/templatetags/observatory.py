from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


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
