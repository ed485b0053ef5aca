from django import forms
from django.core.exceptions import ValidationError

from .models import validate_college_weights


class CollegeInlineFormSet(forms.BaseInlineFormSet):
    """Checks the weights of all the pole's colleges together: they add up to 100 %."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        weights = [
            form.cleaned_data["vote_weight"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("vote_weight") is not None
        ]
        try:
            validate_college_weights(self.instance, weights)
        except ValidationError as error:
            raise ValidationError(error.messages) from error
