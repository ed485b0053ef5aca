"""The structure form's part of the registry look-up (the admin mixes it in)."""

from django import forms

from . import provenance

TOKEN_FIELD = "registry_token"  # noqa: S105 (a form field's name, not a secret)


class RegistryLookupFormMixin(forms.Form):
    """A hidden input for the signed look-up (the look-up's script fills it), and the
    registry columns set from it on save (see registry.provenance).

    A declared field, so that the admin's fieldsets can name it: mix it into the
    ModelForm class itself (`class F(RegistryLookupFormMixin, forms.ModelForm)`)."""

    registry_token = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-registry-token": ""})
    )

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        provenance.apply(
            self.instance,
            submitted=self.cleaned_data.keys(),
            changed_data=[name for name in self.changed_data if name != TOKEN_FIELD],
            token=self.cleaned_data.get(TOKEN_FIELD, ""),
        )


class StructureRegistryForm(RegistryLookupFormMixin, forms.ModelForm):
    """The structure admin's form (its fields come from the admin's fieldsets)."""
