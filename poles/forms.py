"""Forms of the poles app."""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.utils.translation import gettext_lazy as _

from .images import ACCEPT_ATTRIBUTE, apply_photo_upload, upload_help_text, validate_image_upload
from .models import PolePhoto


class ImageUploadField(forms.FileField):
    """A photo or logo upload, judged by its content (see poles.images.open_upload).

    Not Django's `forms.ImageField`: its single "Upload a valid image" message cannot
    tell an editor whether the file is an SVG, too large, or damaged.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", upload_help_text())
        kwargs.setdefault("widget", AdminFileWidget)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is not None:
            validate_image_upload(upload)
            # Name the upload after its real format: the model field's extension check
            # then agrees with the content (a PNG sent as "logo.bin" is still a PNG).
            upload.name = f"upload.{upload.ptce_image.format.lower()}"
        return upload


class PolePhotoForm(forms.ModelForm):
    image = ImageUploadField(label=PolePhoto._meta.get_field("image").verbose_name)

    class Meta:
        model = PolePhoto
        fields = ["image", "alt_text", "caption", "credit", "position"]

    def save(self, commit=True):
        photo = super().save(commit=False)
        if "image" in self.changed_data:
            # Re-encode and store the renditions instead of the raw upload that the
            # ModelForm put on the instance; the previous files go on commit.
            apply_photo_upload(photo, self.cleaned_data["image"])
        if commit:
            photo.save()
            self._save_m2m()
        return photo


# Figures as French editors type them -------------------------------------------------

# Spaces a number may be grouped with: plain, no-break, and the narrow no-break space
# that French formats use as a thousands separator.
_NUMBER_SPACES = str.maketrans("", "", " \u00a0\u202f")


class FrenchDecimalField(forms.DecimalField):
    """A decimal typed with a comma or a dot, "0,75" or "0.75", whatever the language.

    Shown in the editor's language (localized): "0,75" in French. A text input, not
    `type=number`: browsers refuse the comma of a `type=number` input in some locales
    and the dot in others.
    """

    def __init__(self, **kwargs):
        kwargs["localize"] = True
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(_NUMBER_SPACES).replace(",", ".")
        return super().to_python(value)


class EuroAmountField(forms.IntegerField):
    """An amount in whole euros, as people write it: "4 400 000", "4 400 000 €",
    "4400000,00"."""

    default_error_messages = {
        "invalid": _("Enter a whole number of euros, for example 4 400 000."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            text = value.translate(_NUMBER_SPACES).replace("€", "").upper().replace("EUR", "")
            # Cents of zero, as a spreadsheet formats an amount: 4400000,00.
            for cents in (",00", ".00", ",0", ".0"):
                if text.endswith(cents):
                    text = text[: -len(cents)]
                    break
            value = text
        return super().to_python(value)
