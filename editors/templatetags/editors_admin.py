from django import template

from editors.selectors import staff_dashboard as dashboard_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_dashboard(context):
    """The dashboard panels of the signed-in staff member (editors.selectors)."""
    request = context.get("request")
    return dashboard_panels(request.user) if request else None
