"""The query parameters of the API's lists other than the directory's filters, checked
before they reach a query: a value that could not be a code or a slug is a 400
problem, never a database error (PostgreSQL refuses NUL characters and numbers
beyond its integers)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from poles.filters import SearchTextField

DEPARTEMENT_CODE = r"^(?:[0-9]{2}|2[AB]|97[1-8])$"


class DepartementField(forms.RegexField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "error_messages",
            {"invalid": _("Enter a département's INSEE code, such as 60, 2A or 974.")},
        )
        super().__init__(DEPARTEMENT_CODE, **kwargs)

    def to_python(self, value):
        return super().to_python(value).upper()


class StructureParameters(forms.Form):
    pole = forms.SlugField(
        required=False, max_length=200, help_text=_("Structures of this pole (its slug).")
    )
    siret = forms.RegexField(
        r"^[0-9]{14}$",
        required=False,
        error_messages={"invalid": _("A SIRET number has 14 digits.")},
        help_text=_("The structure with this SIRET number."),
    )


class EpciParameters(forms.Form):
    departement = DepartementField(help_text=_("EPCI spanning this département."))


class CommuneParameters(forms.Form):
    departement = DepartementField(help_text=_("Communes of this département."))
    q = SearchTextField(
        required=False,
        max_length=100,
        help_text=_("Name, postal code or INSEE code (start of)."),
    )
