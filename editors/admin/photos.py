"""The pole form's photos and logo: the inline and the logo's save path.

Kept apart from editors/admin/poles.py so that PoleAdmin only mixes them in.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from editors.admin.mixins import ScopedInlineMixin
from poles.forms import ImageUploadField, PolePhotoForm
from poles.images import apply_logo_upload
from poles.models import PolePhoto


class PolePhotoInline(ScopedInlineMixin, admin.StackedInline):
    # Folded on the pole form: a coordinator's usual edit is figures and members.
    classes = ["collapse"]
    add_text = _("Add a photo")
    model = PolePhoto
    form = PolePhotoForm
    extra = 0
    fields = ["preview", "image", "alt_text", "caption", "credit", "position"]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if not obj or not obj.pk or not obj.image_popup:
            return "—"
        return format_html(
            # A width attribute, not a style one: the Content-Security-Policy refuses
            # inline styles.
            '<img src="{}" alt="{}" width="160">',
            obj.popup_url,
            obj.alt_text,
        )


class PoleLogoAdminMixin:
    """The logo goes through the same checks and re-encoding as photos."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "logo":
            return ImageUploadField(label=db_field.verbose_name.capitalize(), required=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if "logo" in form.changed_data:
            # The upload (or False when "clear" is ticked) replaces the stored logo and
            # its small rendition; the old files go when the admin's transaction commits.
            apply_logo_upload(obj, form.cleaned_data.get("logo") or None)
        super().save_model(request, obj, form, change)
