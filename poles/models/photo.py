from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from poles.images import PHOTO, delete_files_on_commit, file_names

from .child import PoleChild

PHOTO_FOLDER = "poles/photos/%Y/%m/"


class PolePhoto(PoleChild, models.Model):
    """A photo of a pole, stored re-encoded in three sizes (see poles.images).

    The files are written by `poles.images.save_pole_photo` (or the admin form, which
    calls the same code); never assign an upload to `image` directly, or the original,
    with its metadata, would be stored as it is.
    """

    pole = models.ForeignKey(
        "poles.Pole", on_delete=models.CASCADE, related_name="photos", verbose_name=_("pole")
    )
    image = models.ImageField(_("image"), upload_to=PHOTO_FOLDER, max_length=200)
    # Renditions, written together with `image`: the pole's page and the map popup.
    image_page = models.ImageField(
        _("page rendition"), upload_to=PHOTO_FOLDER, max_length=200, editable=False
    )
    image_popup = models.ImageField(
        _("popup rendition"), upload_to=PHOTO_FOLDER, max_length=200, editable=False
    )
    # The page rendition's size, so that pages reserve its room before it loads.
    page_width = models.PositiveIntegerField(_("page width"), null=True, editable=False)
    page_height = models.PositiveIntegerField(_("page height"), null=True, editable=False)
    alt_text = models.CharField(
        _("text alternative"),
        max_length=250,
        help_text=_(
            "What the photo shows, for people who cannot see it "
            "(e.g. “Volunteers sorting clothes in the re-use workshop”)."
        ),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(
        _("credit and licence"),
        max_length=200,
        blank=True,
        help_text=_("Author and licence, e.g. “© Jane Doe, CC BY 4.0”."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["pole", "position", "id"]

    def __str__(self):
        return self.alt_text

    @property
    def url(self) -> str:
        return self.image.url if self.image else ""

    @property
    def page_url(self) -> str:
        return self.image_page.url if self.image_page else self.url

    @property
    def popup_url(self) -> str:
        return self.image_popup.url if self.image_popup else self.page_url

    def delete(self, *args, **kwargs):
        # Explicit, not a signal: the files go with the row, once its deletion commits.
        # (A pole's deletion cascades without calling this, and keeps the files for
        # its recovery: see poles.images.)
        files = file_names(self, PHOTO.renditions)
        with transaction.atomic(using=kwargs.get("using")):
            result = super().delete(*args, **kwargs)
            delete_files_on_commit(files)
        return result
