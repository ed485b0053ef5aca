"""Form fields written in Python rather than through Django's form templates.

Django renders a field group through half a dozen templates, and every choice of a
select or a checkbox list through three nested includes (option, input, attributes).
The directory's filter form has about 150 choices and is on every directory page:
rendered the Django way it cost ~16 ms per request, a quarter of the page.

`PythonRenderedBoundField` writes the same HTML as Django 5.2's default templates
(`django/forms/field.html`, `label.html`, `errors/list/ul.html` and the widget
templates `input.html`, `select.html`, `multiple_input.html` with their options) with
string building only. Widgets it does not know (or with a custom template) fall back to
Django's own rendering. tests/test_form_html.py renders forms both ways and compares
them, so a Django upgrade that changes its templates fails there, not silently.
"""

from django import forms
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .markup import esc

# The templates these widgets use by default: a subclass with another template is
# rendered by Django.
_INPUT_TEMPLATES = {
    "django/forms/widgets/input.html",
    "django/forms/widgets/text.html",
    "django/forms/widgets/search.html",
    "django/forms/widgets/number.html",
    "django/forms/widgets/email.html",
    "django/forms/widgets/url.html",
    "django/forms/widgets/tel.html",
    "django/forms/widgets/date.html",
    "django/forms/widgets/hidden.html",
}
_SELECT_TEMPLATES = {"django/forms/widgets/select.html"}
_MULTIPLE_INPUT_TEMPLATES = {
    "django/forms/widgets/checkbox_select.html",
    "django/forms/widgets/radio.html",
    "django/forms/widgets/multiple_input.html",
}
_OPTION_TEMPLATES = {
    "django/forms/widgets/select_option.html",
    "django/forms/widgets/checkbox_option.html",
    "django/forms/widgets/radio_option.html",
    "django/forms/widgets/input_option.html",
}


# Django's own message (translated in its catalogue): a label ending with one of these
# gets no suffix. A name rather than a literal, so that makemessages leaves it to Django.
LABEL_FINAL_PUNCTUATION = ":?.!"


def attributes_html(attrs: dict) -> str:
    """`django/forms/widgets/attrs.html`: True is a bare attribute, False omits it."""
    return "".join(
        f" {name}" if value is True else f' {name}="{esc(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input_html(widget: dict) -> str:
    value = widget["value"]
    value_html = "" if value is None else f' value="{esc(value)}"'
    return (
        f'<input type="{esc(widget["type"])}" '
        f'name="{esc(widget["name"])}"{value_html}'
        f"{attributes_html(widget['attrs'])}>"
    )


def _input_option_html(option: dict) -> str:
    if not option["wrap_label"]:
        return _input_html(option)
    option_id = option["attrs"].get("id")
    for_html = f' for="{esc(option_id)}"' if option_id else ""
    return f"<label{for_html}>{_input_html(option)} {esc(option['label'])}</label>"


def _select_option_html(option: dict) -> str:
    return (
        f'<option value="{esc(option["value"])}"'
        f"{attributes_html(option['attrs'])}>{esc(option['label'])}</option>"
    )


def _options_known(widget: dict) -> bool:
    return all(
        option["template_name"] in _OPTION_TEMPLATES
        for _group, options, _index in widget["optgroups"]
        for option in options
    )


def _select_html(widget: dict) -> str:
    parts = [f'<select name="{esc(widget["name"])}"']
    parts.append(attributes_html(widget["attrs"]))
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{esc(group)}">')
        for option in options:
            parts.append("\n  ")
            parts.append(_select_option_html(option))
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _multiple_input_html(widget: dict) -> str:
    widget_id = widget["attrs"].get("id")
    css_class = widget["attrs"].get("class")
    parts = ["<div"]
    if widget_id:
        parts.append(f' id="{esc(widget_id)}"')
    if css_class:
        parts.append(f' class="{esc(css_class)}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{esc(group)}</label>")
        for option in options:
            parts.append("<div>\n    ")
            parts.append(_input_option_html(option))
            parts.append("</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


def _label_html(bound_field: BoundField, tag: str) -> str:
    """BoundField.label_tag / legend_tag with `django/forms/label.html`."""
    contents = esc(bound_field.label)
    field, form = bound_field.field, bound_field.form
    suffix = field.label_suffix if field.label_suffix is not None else form.label_suffix
    if suffix and contents and contents[-1] not in _(LABEL_FINAL_PUNCTUATION):
        contents = f"{contents}{esc(suffix)}"
    field_id = field.widget.attrs.get("id") or bound_field.auto_id
    if not field_id:
        return contents
    attrs = {}
    id_for_label = field.widget.id_for_label(field_id)
    if id_for_label:
        attrs["for"] = id_for_label
    if field.required and hasattr(form, "required_css_class"):
        attrs["class"] = form.required_css_class
    return f"<{tag}{attributes_html(attrs)}>{contents}</{tag}>"


def _errors_html(bound_field: BoundField) -> str:
    errors = bound_field.errors
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_html = f' id="{esc(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{esc(error)}</li>" for error in errors)
    return f'<ul class="{esc(errors.error_class)}"{id_html}>{items}</ul>'


def _plain_choices(widget):
    """The widget's choices when none is a group (a list of (value, label)), else None.
    Django's own `optgroups()` builds a dict of attributes per choice: the directory's
    form has ~150 choices, and writing them from the list is ten times cheaper."""
    widget_class = type(widget)
    if (
        widget_class.optgroups is not forms.widgets.ChoiceWidget.optgroups
        or widget_class.create_option is not forms.widgets.ChoiceWidget.create_option
        or widget.option_template_name not in _OPTION_TEMPLATES
    ):
        return None
    choices = list(widget.choices)
    if any(isinstance(label, list | tuple) for _value, label in choices):
        return None
    return choices


def _fast_select_html(widget, name: str, value, attrs: dict, choices) -> str:
    """`_select_html()` of `widget.get_context()`, straight from the choices. A select
    (not multiple) marks only the first choice whose value was sent, as Django does;
    its options inherit no attribute of the select."""
    values = widget.format_value(value)
    parts = [
        f'<select name="{esc(name)}"',
        attributes_html(widget.build_attrs(widget.attrs, attrs)),
        ">",
    ]
    has_selected = False
    for option_value, label in choices:
        option_value = "" if option_value is None else option_value
        selected = not has_selected and str(option_value) in values
        has_selected |= selected
        parts.append(
            f'\n  <option value="{esc(option_value)}"'
            f"{' selected' if selected else ''}>{esc(label)}</option>"
        )
    parts.append("\n</select>")
    return "".join(parts)


def _fast_multiple_input_html(widget, name: str, value, attrs: dict, choices) -> str:
    """`_multiple_input_html()` of `widget.get_context()`, straight from the choices:
    each input inherits the list's attributes, its id numbered, `checked` when sent."""
    values = widget.format_value(value)
    list_attrs = widget.build_attrs(widget.attrs, attrs)
    widget_id, css_class = list_attrs.get("id"), list_attrs.get("class")
    parts = ["<div"]
    if widget_id:
        parts.append(f' id="{esc(widget_id)}"')
    if css_class:
        parts.append(f' class="{esc(css_class)}"')
    parts.append(">")
    input_type = esc(widget.input_type)
    name_html = esc(name)
    has_selected = False
    for index, (option_value, label) in enumerate(choices):
        option_value = "" if option_value is None else option_value
        selected = (not has_selected or widget.allow_multiple_selected) and str(
            option_value
        ) in values
        has_selected |= selected
        option_attrs = dict(list_attrs)
        if selected:
            option_attrs.update(widget.checked_attribute)
        option_id = None
        if "id" in option_attrs:
            option_id = option_attrs["id"] = widget.id_for_label(option_attrs["id"], str(index))
        for_html = f' for="{esc(option_id)}"' if option_id else ""
        parts.append(
            f'<div>\n    <label{for_html}><input type="{input_type}" name="{name_html}"'
            f' value="{esc(option_value)}"{attributes_html(option_attrs)}>'
            f" {esc(label)}</label></div>"
        )
    parts.append("\n</div>")
    return "".join(parts)


def widget_html(bound_field: BoundField) -> SafeString:
    """What `str(bound_field)` (BoundField.as_widget) gives, without templates when the
    widget is one of Django's inputs, selects or checkbox/radio lists."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.SelectMultiple) and not isinstance(
        widget, forms.CheckboxSelectMultiple
    ):
        return bound_field.as_widget()  # rare here; its template adds `multiple`
    attrs = bound_field.build_widget_attrs({}, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    template = widget.template_name
    known = template in _INPUT_TEMPLATES | _SELECT_TEMPLATES | _MULTIPLE_INPUT_TEMPLATES
    if not known or bound_field.field.localize:
        return bound_field.as_widget()
    if template in _SELECT_TEMPLATES | _MULTIPLE_INPUT_TEMPLATES:
        choices = _plain_choices(widget)
        if choices is not None:
            write = (
                _fast_select_html if template in _SELECT_TEMPLATES else _fast_multiple_input_html
            )
            html = write(widget, bound_field.html_name, bound_field.value(), attrs, choices)
            return mark_safe(html)  # noqa: S308 - every value is escaped above
    context = widget.get_context(bound_field.html_name, bound_field.value(), attrs)["widget"]
    if template in _INPUT_TEMPLATES:
        return mark_safe(_input_html(context))  # noqa: S308 - every value is escaped above
    if not _options_known(context):
        return bound_field.as_widget()
    if template in _SELECT_TEMPLATES:
        return mark_safe(_select_html(context))  # noqa: S308 - every value is escaped above
    return mark_safe(_multiple_input_html(context))  # noqa: S308 - every value is escaped above


# Fields left empty are most of the directory's form on most requests, and a choice
# field's HTML depends only on which of its choices are ticked: remembered per form,
# field, value, language and choices (forms opt in with `remember_fields`). Not a
# field with an error, nor a text field with a value (any text a visitor types). A
# fixed number of entries; any setting change (tests) forgets them.
_REMEMBERED_FIELDS_MAX = 512
_remembered_fields: dict[tuple, SafeString] = {}


@receiver(setting_changed)
def _forget_remembered_fields(**kwargs):
    _remembered_fields.clear()


def _remembered_field_key(bound_field: BoundField) -> tuple | None:
    form = bound_field.form
    if not getattr(form, "remember_fields", False) or bound_field.errors:
        return None
    value = bound_field.value()
    widget = bound_field.field.widget
    choice_widget = isinstance(widget, forms.widgets.ChoiceWidget)
    if value not in (None, "", [], ()) and not choice_widget:
        return None
    choices = tuple(widget.choices) if choice_widget else None
    key = (
        type(form).__module__,
        type(form).__qualname__,
        bound_field.html_name,
        bound_field.auto_id,
        repr(value),
        get_language(),
        type(widget),
        choices,
    )
    try:
        hash(key)
    except TypeError:  # grouped choices (lists): not remembered
        return None
    return key


def field_group_html(bound_field: BoundField) -> SafeString:
    """What `bound_field.as_field_group()` gives with `django/forms/field.html`."""
    key = _remembered_field_key(bound_field)
    if key is None:
        return _field_group_html(bound_field)
    html = _remembered_fields.get(key)
    if html is None:
        html = _field_group_html(bound_field)
        if len(_remembered_fields) >= _REMEMBERED_FIELDS_MAX:
            _remembered_fields.clear()
        _remembered_fields[key] = html
    return html


def _field_group_html(bound_field: BoundField) -> SafeString:
    parts = []
    if bound_field.use_fieldset:
        describedby = bound_field.aria_describedby
        describedby_html = f' aria-describedby="{esc(describedby)}"' if describedby else ""
        parts.append(f"<fieldset{describedby_html}>")
        if bound_field.label:
            parts.append(_label_html(bound_field, "legend"))
    elif bound_field.label:
        parts.append(_label_html(bound_field, "label"))
    if bound_field.help_text:
        id_html = f' id="{bound_field.auto_id}_helptext"' if bound_field.auto_id else ""
        # `|safe` in Django's template: help texts are written by us, not by visitors.
        parts.append(f'<div class="helptext"{id_html}>{bound_field.help_text}</div>')
    parts.append(_errors_html(bound_field))
    parts.append(widget_html(bound_field))
    if bound_field.use_fieldset:
        parts.append("</fieldset>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every value is escaped above


class PythonRenderedBoundField(BoundField):
    """A BoundField whose `as_field_group()` and `str()` skip the template engine
    (see the module docstring). Set as a form's `bound_field_class`."""

    def as_field_group(self):
        if self.form.renderer.field_template_name != "django/forms/field.html" or (
            self.field.template_name is not None
        ):
            return super().as_field_group()
        return field_group_html(self)

    def __str__(self):
        if self.field.show_hidden_initial:
            return super().__str__()
        return widget_html(self)
