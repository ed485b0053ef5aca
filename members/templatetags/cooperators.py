"""The cooperators section of a pole's page.

A tag of this app rather than a variable of the pole page's view: the poles app knows
nothing of cooperators (members sits above it), so the page asks this app to render
them."""

from django import template

from members.selectors import cooperator_summary

register = template.Library()


@register.inclusion_tag("members/_pole_cooperators.html")
def pole_cooperators(pole):
    return {"cooperators": cooperator_summary(pole)}
