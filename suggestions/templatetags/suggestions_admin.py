from django import template

from suggestions import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_figures(context):
    request = context.get("request")
    return selectors.moderation_figures(request.user) if request else None
