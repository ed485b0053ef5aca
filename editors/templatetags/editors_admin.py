from django import template
from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.utils.translation import get_language

from editors.admin.rows import lean_results
from editors.selectors import staff_dashboard as dashboard_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_dashboard(context):
    """The dashboard panels of the signed-in staff member (editors.selectors)."""
    request = context.get("request")
    return dashboard_panels(request.user) if request else None


def lean_result_list(cl):
    """Django's `result_list` (the changelist's table), its rows made once per column
    (editors.admin.rows) instead of once per cell."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": lean_results(cl),
    }


@register.tag(name="lean_result_list")
def lean_result_list_tag(parser, token):
    # The same template as Django's tag, looked up per model and app as it does.
    return InclusionAdminNode(
        parser,
        token,
        func=lean_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )


# Rendered sidebars by language, page and list of models (see nav_sidebar): a handful
# per editor's set of permissions; emptied when it outgrows this.
SIDEBARS: dict = {}
SIDEBARS_MAX = 256


def _sidebar_key(context) -> tuple | None:
    """Everything admin/nav_sidebar.html and admin/app_list.html read: the language (the
    translated labels), the page's path (the current model is highlighted) and, of each
    app and model the editor may see, what the list shows."""
    request, apps = context.get("request"), context.get("available_apps")
    if request is None or apps is None:
        return None
    return (
        get_language(),
        request.path,
        tuple(
            (
                app["app_label"],
                app["app_url"],
                str(app["name"]),
                tuple(
                    (
                        model["object_name"],
                        str(model["name"]),
                        model.get("admin_url"),
                        model.get("add_url"),
                        model.get("view_only"),
                    )
                    for model in app["models"]
                ),
            )
            for app in apps
        ),
    )


@register.simple_tag(takes_context=True)
def nav_sidebar(context):
    """Django's navigation sidebar (admin/nav_sidebar.html, as base.html includes it),
    rendered once per language, page and list of models rather than at every request:
    its two dozen models' links were a sixth of a changelist's Python time."""
    key = _sidebar_key(context)
    html = SIDEBARS.get(key) if key is not None else None
    if html is None:
        html = context.template.engine.get_template("admin/nav_sidebar.html").render(context)
        if key is not None:
            if len(SIDEBARS) >= SIDEBARS_MAX:
                SIDEBARS.clear()
            SIDEBARS[key] = html
    return html
