"""A changelist's rows: Django's markup (`admin_list.items_for_result`), with the work
that is the same for every row done once per page.

Django works each column out again for each row: the field behind its name, its CSS
classes, the empty value, whether it links, the change URL through `reverse()` and the
preserved filters through a parse of that URL, and a `format_html()` around each cell.
On the pole changelist's page of 50 rows that was about a third of the request's Python
time. Here a `Column` is worked out once per page, and a row only reads its values. What
a cell shows comes from Django's own functions (`lookup_field`, `display_for_field`,
`display_for_value`, the boolean icons) or, for a model field, from the same rules
decided once; tests/editors/test_admin_changelists.py compares the markup with Django's.

Pages that Django renders differently (a `list_editable` formset, a pop-up, `to_field`)
keep Django's own rows.
"""

import datetime
import re

from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _boolean_icon,
    _coerce_field_name,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
    quote,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from poles.markup import esc

# Stands for the primary key in the change URL built once per page; a key made of these
# characters is written into the URL as it is (by reverse() and the preserved filters).
_PK_MARK = "0PKMARK0"
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def checkbox_label_format() -> str:
    """The row checkbox's label, Django's message, translated once per page."""
    return gettext("Select this object for an action - {}")


def action_checkbox(obj, label_format: str):
    """A row's checkbox: the markup of Django's `ModelAdmin.action_checkbox`, whose
    `format_html()` escapes the key and the object's name, not the label's format."""
    label = label_format.format(esc(str(obj)))
    return mark_safe(  # noqa: S308 - the values escaped (esc), the format is the translation
        f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{esc(str(obj.pk))}"'
        f' class="action-select" aria-label="{label}">'
    )


class Column:
    """What is the same for every row in one column of a page."""

    def __init__(self, cl, index, name, *, link, tag):
        self.name = name
        self.link = link
        self.tag = tag
        self.classes = [f"field-{_coerce_field_name(name, index)}"]
        self.empty = cl.model_admin.get_empty_value_display()
        # A concrete model field named as it is (lookup_field's first case): how its
        # value is shown is decided here, once.
        self.field = self.admin_method = self.checkbox_label = None
        try:
            field = _get_non_gfk_field(cl.lookup_opts, name) if isinstance(name, str) else None
        except (FieldDoesNotExist, ValueError):
            field = None
        if field is not None and not field.auto_created:
            self._model_field(field)
        elif isinstance(name, str) and name != "__str__" and hasattr(cl.model_admin, name):
            # An admin method (lookup_field's second case), e.g. the row's checkbox.
            self.admin_method = getattr(cl.model_admin, name)
            if getattr(self.admin_method, "writes_action_checkbox", False):
                # The staff admin's checkbox (editors.admin.mixins): its label's format
                # translated once, and the cell's class as _other_cell gives it.
                self.checkbox_label = checkbox_label_format()
                self.checkbox_class = _class_attribute(["action-checkbox"])
        self.row_class = _class_attribute(self.classes)

    def _model_field(self, field):
        self.field = field
        self.related = isinstance(field.remote_field, models.ManyToOneRel)
        if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
            self.classes.append("nowrap")
        self.choices = self.icons = self.datetime_format = None
        self.plain_integers = False
        if getattr(field, "flatchoices", None):
            try:
                # Each label translated and escaped once per page, not once per row.
                self.choices = {
                    value: mark_safe(esc(label))  # noqa: S308 - escaped
                    for value, label in dict(field.flatchoices).items()
                }
            except TypeError:  # list-like choices: display_for_field's own path
                self.choices = None
        elif isinstance(field, models.BooleanField):
            self.icons = {value: _boolean_icon(value) for value in (True, False, None)}
        elif isinstance(field, models.DateTimeField):
            # formats.localize()'s format, looked up once.
            self.datetime_format = get_format("DATETIME_FORMAT")
        elif isinstance(field, models.IntegerField):
            # number_format() writes an int as it is when it does not group digits.
            self.plain_integers = not settings.USE_THOUSAND_SEPARATOR

    def cell(self, cl, result):
        """The cell's content and class attribute, as `items_for_result` makes them."""
        if self.checkbox_label is not None:
            return action_checkbox(result, self.checkbox_label), self.checkbox_class
        field = self.field
        if field is not None:
            if self.related:
                related = getattr(result, field.name)
                return (self.empty if related is None else related), self.row_class
            value = getattr(result, self.name)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if self.choices is not None:
                return self.choices.get(value, self.empty), self.row_class
            if self.icons is not None and value in self.icons:
                return self.icons[value], self.row_class
            if value is None or value == "":
                return self.empty, self.row_class
            if self.datetime_format is not None and isinstance(value, datetime.datetime):
                return dateformat.format(
                    timezone.template_localtime(value), self.datetime_format
                ), self.row_class
            if self.plain_integers and type(value) is int:
                return str(value), self.row_class
            shown = display_for_field(value, field, self.empty, avoid_link=self.link)
            return shown, self.row_class
        return self._other_cell(cl, result)

    def _other_cell(self, cl, result):
        """Anything else (an admin method, a model method or property, a relation's
        path): Django's own steps."""
        empty, classes = self.empty, self.classes
        try:
            if self.admin_method is not None:
                f, attr = None, self.admin_method
                value = attr(result)
            else:
                f, attr, value = lookup_field(self.name, result, cl.model_admin)
        except ObjectDoesNotExist:
            return empty, self.row_class
        empty = getattr(attr, "empty_value_display", empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if f is None or f.auto_created:
            if self.name == "action_checkbox":
                classes = ["action-checkbox"]
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            shown = display_for_value(value, empty, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                classes = [*classes, "nowrap"]
        elif isinstance(f.remote_field, models.ManyToOneRel):
            related = getattr(result, f.name)
            shown = empty if related is None else related
        else:
            shown = display_for_field(value, f, empty, avoid_link=self.link)
        if classes is self.classes:
            return shown, self.row_class
        return shown, _class_attribute(classes)


def _class_attribute(classes):
    # Django's own: its CSS classes come from column names, not from the data.
    return mark_safe(' class="{}"'.format(" ".join(classes)))  # noqa: S308


def _columns(cl) -> list[Column]:
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        if cl.list_display_links is None:
            link = False
        elif first and not cl.list_display_links:
            link = True
        else:
            link = name in cl.list_display_links
        # The first linked column is the row's header cell.
        columns.append(Column(cl, index, name, link=link, tag="th" if link and first else "td"))
        if link:
            first = False
    return columns


class _Marked:
    """Stands for a row in `url_for_result`: its primary key is the mark."""

    def __init__(self, pk_attname):
        setattr(self, pk_attname, _PK_MARK)


def _change_url(cl, result, pattern):
    """A row's change URL with the preserved filters (Django's steps), or None."""
    pk = quote(getattr(result, cl.pk_attname))
    if pattern is not None and _PLAIN_KEY.fullmatch(str(pk)):
        return pattern.replace(_PK_MARK, str(pk))
    try:
        url = cl.url_for_result(result)
    except NoReverseMatch:
        return None
    return add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)


def _url_pattern(cl):
    """The change URL of a row whose key is the mark, or None."""
    try:
        url = cl.url_for_result(_Marked(cl.pk_attname))
    except NoReverseMatch:
        return None
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
    return url if url.count(_PK_MARK) == 1 else None


def lean_results(cl) -> list:
    """The page's rows for `change_list_results.html`, as Django's `results(cl)`: the
    same cells' markup, as strings to be joined and marked safe per row."""
    if cl.formset or cl.is_popup or cl.to_field:
        return list(results(cl))
    columns = _columns(cl)
    pattern = _url_pattern(cl) if any(column.link for column in columns) else None
    rows = []
    for result in cl.result_list:
        cells = []
        for column in columns:
            shown, row_class = column.cell(cl, result)
            # Escaped here (esc), as format_html() escapes its arguments; each cell is
            # safe markup, marked so once per row (editors_admin.lean_result_list).
            if column.link:
                url = _change_url(cl, result, pattern)
                if url is not None:
                    shown = mark_safe(f'<a href="{esc(url)}">{esc(shown)}</a>')  # noqa: S308
                tag = column.tag
                cells.append(f"<{tag}{row_class}>{esc(shown)}</{tag}>")
            else:
                cells.append(f"<td{row_class}>{esc(shown)}</td>")
        rows.append(ResultList(None, cells))
    return rows
