"""Build the POST data an admin change page would submit, from its rendered context."""

from django import forms


def _value(value):
    if isinstance(value, list | tuple) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return [getattr(item, "pk", item) for item in items]
    return getattr(value, "pk", value)


def change_form_data(page) -> dict:
    """Every field of the main form and of the inlines, as loaded (a no-op save)."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or isinstance(field, forms.FileField):
            continue
        if isinstance(field, forms.BooleanField) and not value:
            continue
        data[name] = _value(value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
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
                if value is None or isinstance(field, forms.FileField):
                    continue
                if isinstance(field, forms.BooleanField) and not value:
                    continue
                data[f"{formset.prefix}-{index}-{name}"] = _value(value)
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
