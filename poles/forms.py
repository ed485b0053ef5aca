"""Forms of the poles app."""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget

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
