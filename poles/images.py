"""Uploaded photos and logos: validation, re-encoding, renditions and file clean-up.

Every image reaches storage through `process_upload`: it is decoded by Pillow (so a file
is judged by its content, never by its name), rotated upright from its EXIF orientation,
converted to sRGB, resized into the renditions a model declares, and re-encoded from bare
pixels, so no metadata (EXIF, GPS position, XMP, ICC, comments) of the original survives.
The original upload itself is never stored.

Files are written before the database row that points at them and removed only after the
transaction that stops pointing at them commits (`transaction.on_commit`): a rolled-back
save never leaves a row without its files.

Retention: replacing or removing a logo or a photo, or deleting a single photo, removes
the old files (no revert brings an old image back: a revert keeps the current images).
Deleting a pole does NOT remove its logo's and photos' files: the snapshot taken before
the deletion names them, and recovering the pole from the history brings them back.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Model
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# What a phone or a designer sends is well under these; anything above is a mistake or an
# attack. The byte limit is stated in the form's help text.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# 40 megapixels (e.g. 7,700 × 5,200). Pillow's own guard (89 Mpx warning, 178 Mpx error)
# is looser: we refuse earlier, from the header, before decoding anything.
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"

JPEG_OPTIONS = {"quality": 85, "optimize": True, "progressive": True}
PNG_OPTIONS = {"optimize": True}


@dataclass(frozen=True)
class ImageKind:
    """How one model stores an uploaded image: its renditions, by model field name.

    Each rendition fits in a `max_size` × `max_size` box (never enlarged). Largest first:
    the first is the stored "original", and each is made from the one before.
    """

    name: str
    renditions: dict[str, int]
    # Logos keep PNG (transparency, sharp edges); photos become JPEG.
    keep_png: bool = False
    folder: str = ""


PHOTO = ImageKind(
    name="photo",
    # The stored "original" is capped too: nobody needs 40 Mpx on a directory page.
    renditions={"image": 2400, "image_page": 1200, "image_popup": 320},
    folder="poles/photos/",
)
LOGO = ImageKind(
    name="logo",
    renditions={"logo": 800, "logo_small": 160},
    keep_png=True,
    folder="poles/logos/",
)


# Every Pole field a logo upload writes: its renditions and the small one's size.
LOGO_FIELDS = (*LOGO.renditions, "logo_small_width", "logo_small_height")


@dataclass
class ProcessedImage:
    """The re-encoded renditions of one upload, ready to be saved to their fields."""

    files: dict[str, ContentFile] = field(default_factory=dict)
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    format: str = "JPEG"


def upload_help_text() -> str:
    return _(
        "JPEG, PNG or WebP, up to %(size)s and %(megapixels)s megapixels. "
        "Metadata (EXIF, GPS position) is removed and the image is resized."
    ) % {"size": filesizeformat(MAX_UPLOAD_BYTES), "megapixels": MAX_PIXELS // 1_000_000}


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in text


def _too_many_pixels(width: int, height: int) -> ValidationError:
    return ValidationError(
        _(
            "This image is too large (%(width)s × %(height)s pixels): the limit is "
            "%(megapixels)s megapixels. Resize it before uploading."
        ),
        code="image_too_many_pixels",
        params={"width": width, "height": height, "megapixels": MAX_PIXELS // 1_000_000},
    )


def open_upload(upload) -> Image.Image:
    """Check an uploaded file and return it decoded, or raise a `ValidationError`.

    The decoded image is cached on the upload (as Django's own ImageField does with
    `file.image`), so that the form's validation and the service decode it only once.
    """
    cached = getattr(upload, "ptce_image", None)
    if cached is not None:
        return cached

    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("This file is too big (%(size)s): the limit is %(limit)s."),
            code="image_too_big",
            params={"size": filesizeformat(size), "limit": filesizeformat(MAX_UPLOAD_BYTES)},
        )

    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if _looks_like_svg(head):
        raise ValidationError(
            _("SVG images are not accepted: export the image as PNG, JPEG or WebP."),
            code="image_svg",
        )

    try:
        image = Image.open(upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow measured the header beyond its own limit. The warning is an exception
        # when warnings are errors (as in the tests); otherwise our check below catches it.
        raise ValidationError(
            _(
                "This image has too many pixels: the limit is %(megapixels)s megapixels. "
                "Resize it before uploading."
            ),
            code="image_too_many_pixels",
            params={"megapixels": MAX_PIXELS // 1_000_000},
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ValidationError(
            _(
                "This file is not an image that can be read, whatever its name says. "
                "Upload a JPEG, PNG or WebP image."
            ),
            code="image_unreadable",
        ) from exc

    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("%(format)s images are not accepted: upload a JPEG, PNG or WebP image."),
            code="image_format",
            params={"format": image.format},
        )
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(width, height)

    try:
        # Decode now: truncated or corrupt files fail here, with a message, instead of
        # later in the save. Pillow's decoders raise many exception types on bad data
        # (OSError, SyntaxError, ValueError, struct.error…): any of them means the same.
        image.load()
    except Exception as exc:
        raise ValidationError(
            _(
                "This image is damaged or incomplete (was the upload interrupted?). "
                "Open it on your computer, save it again and upload the new file."
            ),
            code="image_damaged",
        ) from exc

    upload.ptce_image = image
    return image


def validate_image_upload(upload) -> None:
    """A validator for form fields and services (see `poles.forms.ImageUploadField`)."""
    open_upload(upload)


def _to_srgb(image: Image.Image, output_mode: str) -> Image.Image | None:
    """Convert wide-gamut or CMYK photos to sRGB with their ICC profile, which is then
    dropped like the rest of the metadata: browsers assume sRGB without one."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return None
    if image.mode == "RGBA":
        output_mode = "RGBA"  # littleCMS keeps the alpha channel only from RGBA
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken profile: the pixels are still usable as they are.
        return None


def _normalise(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # a malformed EXIF block must not refuse the photo
        logger.info("Ignoring an unreadable EXIF orientation")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    target_mode = "RGBA" if has_alpha else "RGB"
    image = _to_srgb(image, target_mode) or image
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert(target_mode)
    if image.mode == "RGBA" and not keep_alpha:
        # JPEG has no transparency: lay the image on white, as it looks on the page.
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    return image


def _encode(image: Image.Image, image_format: str) -> bytes:
    # A new image built from the pixels alone: nothing of the source's `info`
    # (EXIF, XMP, ICC, comments, PNG text chunks) can be written back.
    bare = Image.new(image.mode, image.size)
    bare.paste(image)
    buffer = io.BytesIO()
    if image_format == "PNG":
        bare.save(buffer, "PNG", **PNG_OPTIONS)
    else:
        bare.save(buffer, "JPEG", **JPEG_OPTIONS)
    return buffer.getvalue()


def _fit(image: Image.Image, max_size: int) -> Image.Image:
    """`image` reduced to fit a `max_size` box, never enlarged."""
    width, height = image.size
    scale = max_size / max(width, height)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def process_upload(upload, *, kind: ImageKind = PHOTO) -> ProcessedImage:
    """Validate an upload and return its re-encoded renditions (nothing is stored yet).

    Raises `ValidationError` when the file is refused (see `open_upload`).
    """
    source = open_upload(upload)
    keep_png = kind.keep_png and (
        source.format == "PNG"
        or source.mode in ("RGBA", "LA", "PA")
        or "transparency" in source.info
    )
    image_format = "PNG" if keep_png else "JPEG"
    image = _normalise(source, keep_alpha=keep_png)
    if image_format == "JPEG" and image.mode != "RGB":
        image = image.convert("RGB")

    stem = uuid.uuid4().hex  # never the uploader's file name: it can hold personal data
    extension = "png" if image_format == "PNG" else "jpg"
    result = ProcessedImage(format=image_format)
    # From the largest rendition down, each made from the previous one: no full-size
    # copy per rendition (a 40 Mpx photo is 120 MB decoded).
    rendition = image
    for index, (field_name, max_size) in enumerate(kind.renditions.items()):
        rendition = _fit(rendition, max_size)
        suffix = "" if index == 0 else f"-{max_size}"
        result.files[field_name] = ContentFile(
            _encode(rendition, image_format), name=f"{stem}{suffix}.{extension}"
        )
        result.sizes[field_name] = rendition.size
    return result


# Storage clean-up ------------------------------------------------------------------------


def file_names(instance: Model, field_names: Iterable[str]) -> list[tuple[Storage, str]]:
    """The stored files behind `instance`'s file fields, as (storage, name) pairs."""
    pairs = []
    for name in field_names:
        field_file = getattr(instance, name)
        if field_file and field_file.name:
            pairs.append((field_file.storage, field_file.name))
    return pairs


def delete_files_on_commit(files: Iterable[tuple[Storage, str]]) -> None:
    """Remove files once the current transaction commits (at once outside a transaction).

    After a rollback the rows still point at the old files, so they must stay.
    """
    files = list(files)
    if not files:
        return

    def delete():
        for storage, name in files:
            try:
                storage.delete(name)
            except OSError:
                # A file already gone or a storage hiccup must not break a committed save.
                logger.warning("Could not delete the stored file %s", name, exc_info=True)

    transaction.on_commit(delete)


def _store(instance: Model, processed: ProcessedImage) -> None:
    """Write the renditions to storage and point `instance`'s fields at them."""
    for field_name, content in processed.files.items():
        getattr(instance, field_name).save(content.name, content, save=False)


def _stored_files(instance: Model, kind: ImageKind) -> list[tuple[Storage, str]]:
    """The files `instance`'s row points at in the database (not the unsaved upload)."""
    if instance.pk is None:
        return []
    stored = type(instance)._default_manager.filter(pk=instance.pk).only(*kind.renditions)
    row = stored.first()
    return file_names(row, kind.renditions) if row else []


# Writes ----------------------------------------------------------------------------------
# The `apply_*` functions change an instance without saving it, for the admin's save path
# (which runs in a transaction); the others are complete services.


def apply_photo_upload(photo, upload) -> None:
    """Replace `photo`'s image and renditions with the processed `upload` (unsaved).

    Must run inside the transaction that saves the photo: the files the row pointed at
    are removed when it commits.
    """
    previous = _stored_files(photo, PHOTO)
    processed = process_upload(upload, kind=PHOTO)
    _store(photo, processed)
    photo.page_width, photo.page_height = processed.sizes["image_page"]
    delete_files_on_commit(previous)


def apply_logo_upload(pole, upload) -> None:
    """Replace (or, with no upload, remove) `pole`'s logo and its small rendition (unsaved).

    Must run inside the transaction that saves the pole.
    """
    previous = _stored_files(pole, LOGO)
    if upload:
        processed = process_upload(upload, kind=LOGO)
        _store(pole, processed)
        pole.logo_small_width, pole.logo_small_height = processed.sizes["logo_small"]
    else:
        for field_name in LOGO.renditions:
            setattr(pole, field_name, "")
        pole.logo_small_width = pole.logo_small_height = None
    delete_files_on_commit(previous)


@transaction.atomic
def save_pole_photo(*, photo, upload=None):
    """Create or update a pole's photo; with `upload`, (re)place its image files.

    The other fields are validated before any file is written, so a refused photo
    stores nothing.
    """
    photo.full_clean(exclude=list(PHOTO.renditions) if upload is not None else None)
    if upload is not None:
        apply_photo_upload(photo, upload)
    photo.save()
    return photo


@transaction.atomic
def delete_pole_photo(*, photo) -> None:
    photo.delete()  # PolePhoto.delete() removes the files on commit


@transaction.atomic
def set_pole_logo(*, pole, upload) -> None:
    """Replace the pole's logo with `upload`, or remove it when `upload` is None."""
    apply_logo_upload(pole, upload)
    pole.save(update_fields=[*LOGO_FIELDS, "updated_at"])
