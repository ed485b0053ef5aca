from pathlib import Path

import django.contrib.admin
from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    admin_list_filter,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.template.base import render_value_in_context
from django.template.loader import get_template
from django.utils.encoding import iri_to_uri
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from editors.admin.rows import lean_results
from editors.selectors import staff_dashboard as dashboard_panels
from poles.markup import esc

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
    rows = lean_results(cl)
    if not cl.formset:
        # Each row's cells as one item: change_list_results.html writes
        # `<tr>{% for item in result %}{{ item }}{% endfor %}</tr>`, so the markup is the
        # same, with one turn of the template's loop per row instead of one per cell.
        rows = [ResultList(None, [mark_safe("".join(row))]) for row in rows]  # noqa: S308
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": rows,
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


# Django's own filter template, which lean_list_filter writes in Python.
DJANGOS_FILTER_TEMPLATE = str(
    Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "filter.html"
)
_PLAIN = template.Context()


def _shown(value) -> str:
    """`{{ value }}` in a template: escaped, and localized when not a string."""
    if type(value) is str:
        return esc(value)
    return render_value_in_context(value, _PLAIN)


def _filter_markup(title, choices) -> str:
    """admin/filter.html's markup, character for character (a test compares them)."""
    title = _shown(title)
    items = []
    for choice in choices:
        selected = ' class="selected"' if choice["selected"] else ""
        href = esc(iri_to_uri(str(choice["query_string"])))
        items.append(
            f'\n    <li{selected}>\n    <a href="{href}">{_shown(choice["display"])}</a></li>\n  '
        )
    # The template's {% blocktranslate %}: Django's message, the title escaped.
    by = gettext(" By %(filter_title)s ") % {"filter_title": title}
    return (
        f'\n<details data-filter-title="{title}" open>\n  <summary>\n    {by}\n  </summary>'
        f"\n  <ul>\n  {''.join(items)}\n  </ul>\n</details>\n"
    )


def _djangos_template(name) -> bool:
    origin = getattr(get_template(name), "origin", None)
    return origin is not None and origin.name == DJANGOS_FILTER_TEMPLATE


@register.simple_tag
def lean_list_filter(cl, spec):
    """Django's `admin_list_filter`, its template's markup written in Python: the
    template engine's loop over the choices (the régions, sectors, networks…) was most
    of the filters' cost. A filter with a template of its own, or a project's
    admin/filter.html, is rendered by Django."""
    if spec.template != "admin/filter.html" or not _djangos_template(spec.template):
        return admin_list_filter(cl, spec)
    return mark_safe(_filter_markup(spec.title, list(spec.choices(cl))))  # noqa: S308
