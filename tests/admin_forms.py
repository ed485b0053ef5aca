"""Build the POST data an admin change page would submit, from its rendered context."""

from html.parser import HTMLParser

from django import forms
from django.apps import apps
from django.contrib import admin


def _value(value):
    if isinstance(value, list | tuple) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return [getattr(item, "pk", item) for item in items]
    return getattr(value, "pk", value)


def _posted(field, value) -> bool:
    """Whether a browser posts this field at all: not an empty value, a file or an
    unchecked box."""
    if value is None or isinstance(field, forms.FileField):
        return False
    return not (isinstance(field, forms.BooleanField) and not value)


def _inline_data(formset) -> dict:
    data = {}
    management = formset.management_form
    for name in management.fields:
        data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    for index, inline_form in enumerate(formset.initial_forms):
        for name, field in inline_form.fields.items():
            value = inline_form.initial.get(name)
            if name == formset.fk.name:
                value = formset.instance.pk
            elif name == "id":
                value = inline_form.instance.pk
            if _posted(field, value):
                data[f"{formset.prefix}-{index}-{name}"] = _value(value)
    return data


def change_form_data(page) -> dict:
    """Every field of the main form and of the inlines, as loaded (a no-op save)."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if _posted(field, value):
            data[name] = _value(value)
    for inline in page.context["inline_admin_formsets"]:
        data.update(_inline_data(inline.formset))
    lock = page.context.get("optimistic_lock")
    if lock:
        data[lock["name"]] = lock["value"]
    plan = page.context.get("revert_plan")  # a revert or recovery: the plan confirmed
    if plan:
        data[plan["name"]] = plan["token"]
    return data


def inline_prefix(page, model_name: str) -> str:
    return next(
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model._meta.model_name == model_name
    )


class _FormParser(HTMLParser):
    """What a browser would submit from a page's change form, read from its HTML."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (self.form_id is None or attrs.get("id") == self.form_id):
            self.in_form = True
        if not self.in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value") or ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # Browsers drop the newline right after <textarea> and submit CRLF.
            text = text[1:] if text.startswith("\n") else text
            self.fields.append((name, text.replace("\r\n", "\n").replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None


def browser_form_data(response, form_id=None) -> dict:
    """The fields a browser submits from the page's form, as a dict of lists, with what
    the editor sees on screen (after a refused save: the re-shown values)."""
    if form_id is None:
        opts = response.context["opts"]
        form_id = f"{opts.model_name}_form"
    parser = _FormParser(form_id)
    parser.feed(response.content.decode())
    data: dict = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data


def registered_models() -> list:
    """Every model the admin site edits (the public way to list them)."""
    return [model for model in apps.get_models() if admin.site.is_registered(model)]
