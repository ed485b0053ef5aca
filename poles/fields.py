from django.db import models

from .validators import normalize_siret, validate_siret


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


class WebAddressField(models.URLField):
    """A URL field whose form assumes https:// when the scheme is omitted.

    Django 6 makes that the default; saying it here silences the transition
    warning and gives editors the scheme they almost always mean.
    """

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.URLField", args, kwargs

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)
