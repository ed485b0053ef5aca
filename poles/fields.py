from django import forms
from django.db import models

from .validators import normalize_siret, validate_siret, validate_web_address


class SiretField(models.CharField):
    """A SIRET, stored as 14 digits whatever spaces or dots were typed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 14)
        super().__init__(*args, **kwargs)
        if validate_siret not in self.validators:
            self.validators.append(validate_siret)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_siret(value) if value else value

    def formfield(self, **kwargs):
        # People type SIRETs with spaces: let the form accept the longer input
        # and leave the length check to the normalised value.
        kwargs.setdefault("max_length", 20)
        return super().formfield(**kwargs)


class WebAddressFormField(forms.URLField):
    """The form side of `WebAddressField`: the same validation, so a form says what is
    wrong with an address (not only "Enter a valid URL.") before the model is checked."""

    default_validators = [validate_web_address]


class WebAddressField(models.URLField):
    """A web address: http(s) only, and only characters that a link can hold
    (`validate_web_address`), checked by every form, import and `full_clean()`.

    Its form assumes https:// when the scheme is omitted: Django 6 makes that the
    default; saying it here silences the transition warning and gives editors the
    scheme they almost always mean.
    """

    # Instead of URLField's URLValidator (which also allows ftp:// and `<`).
    default_validators = [validate_web_address]

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.URLField", args, kwargs

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("form_class", WebAddressFormField)
        return super().formfield(**kwargs)
