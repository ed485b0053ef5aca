"""Photos and logos: what is refused and why, what is stored, and the files' life cycle."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageCms

from poles import images
from poles.forms import ImageUploadField, PolePhotoForm
from poles.images import (
    delete_pole_photo,
    process_upload,
    save_pole_photo,
    set_pole_logo,
)
from poles.models import Pole, PolePhoto
from tests.admin_forms import change_form_data
from tests.factories import PoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its files in its own folder, removed by pytest."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, their msgids (the site defaults to French)."""
    with translation.override("en"):
        yield


GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


# Test images, made here ------------------------------------------------------------------


def image_bytes(image_format="JPEG", size=(800, 600), mode="RGB", **save_options) -> bytes:
    image = Image.new(mode, size, (200, 120, 40) if mode == "RGB" else None)
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save_options)
    return buffer.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg_with_metadata(size=(400, 200), orientation=1) -> bytes:
    """A JPEG carrying a camera make, a GPS position, XMP and an ICC profile."""
    exif = Image.Exif()
    exif[MAKE] = "Synthetic Camera"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    content = image_bytes("JPEG", size=size, exif=exif, icc_profile=icc, xmp=xmp)
    # The source really carries what must be stripped.
    source = Image.open(io.BytesIO(content))
    assert source.getexif().get_ifd(GPS_IFD)
    assert source.info.get("icc_profile")
    return content


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert("x")</script><rect width="10" height="10"/></svg>'
)


def wide_png(width: int, height: int) -> bytes:
    """A tiny file announcing a huge image: one bit per pixel, all zero, compresses well."""
    return image_bytes("PNG", size=(width, height), mode="1")


def media_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def stored_image(name) -> Image.Image:
    """A stored file, decoded and closed (an open file would be a ResourceWarning)."""
    path = name if isinstance(name, Path) else media_path(name)
    with Image.open(path) as image:
        image.load()
    return image


def refusal(content: bytes, name: str) -> list[str]:
    field = ImageUploadField()
    with pytest.raises(ValidationError) as excinfo:
        field.clean(upload(content, name))
    return excinfo.value.messages


# Refusals, each with its message -----------------------------------------------------


def test_svg_is_refused_whatever_its_name():
    assert refusal(SVG, "logo.svg") == [
        "SVG images are not accepted: export the image as PNG, JPEG or WebP."
    ]
    assert refusal(SVG, "logo.png")[0].startswith("SVG images are not accepted")


def test_a_text_file_named_jpg_is_refused():
    messages = refusal(b"Name;SIRET\nPain et Partage;123\n", "photo.jpg")
    assert messages == [
        "This file is not an image that can be read, whatever its name says. "
        "Upload a JPEG, PNG or WebP image."
    ]


@pytest.mark.parametrize(("image_format", "label"), [("GIF", "GIF"), ("BMP", "BMP")])
def test_other_image_formats_are_refused(image_format, label):
    assert refusal(image_bytes(image_format), "photo.jpg") == [
        f"{label} images are not accepted: upload a JPEG, PNG or WebP image."
    ]


def test_an_image_over_the_pixel_limit_is_refused_from_its_header():
    content = wide_png(8000, 6000)  # 48 Mpx, under Pillow's own limit, over ours
    assert len(content) < 100_000
    assert refusal(content, "plan.png") == [
        "This image is too large (8000 × 6000 pixels): the limit is 40 megapixels. "
        "Resize it before uploading."
    ]


def test_a_decompression_bomb_is_refused():
    # 100 Mpx: Pillow's DecompressionBombWarning (an error under pytest's filterwarnings).
    content = wide_png(10_000, 10_000)
    assert refusal(content, "bomb.png") == [
        "This image has too many pixels: the limit is 40 megapixels. Resize it before uploading."
    ]


def test_pillows_decompression_bomb_error_is_refused(monkeypatch):
    # Over twice Pillow's limit it raises DecompressionBombError, warnings or not.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert refusal(image_bytes("PNG", size=(100, 100)), "bomb.png")[0].startswith(
        "This image has too many pixels"
    )


def test_a_truncated_jpeg_is_refused():
    content = image_bytes("JPEG", size=(1200, 900), quality=95)
    assert refusal(content[: len(content) // 2], "cut.jpg") == [
        "This image is damaged or incomplete (was the upload interrupted?). "
        "Open it on your computer, save it again and upload the new file."
    ]


def test_a_file_over_the_byte_limit_is_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 1000)
    assert refusal(image_bytes("JPEG", size=(600, 600)), "big.jpg")[0].startswith(
        "This file is too big ("
    )
    message = refusal(b"x" * (8 * 1024 * 1024 + 1), "huge.jpg")
    assert message[0].startswith("This file is too big (8.0")


def test_an_empty_file_is_refused():
    field = ImageUploadField()
    with pytest.raises(ValidationError):
        field.clean(upload(b"", "empty.jpg"))


def test_the_form_states_the_limits():
    help_text = str(ImageUploadField().help_text)
    assert "JPEG, PNG or WebP" in help_text
    assert "8.0" in help_text  # MB
    assert "40 megapixels" in help_text
    widget_html = ImageUploadField().widget.render("image", None)
    assert 'accept="image/jpeg,image/png,image/webp"' in widget_html


# Accepted images ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "name"), [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp")]
)
def test_jpeg_png_and_webp_are_accepted_and_stored_as_jpeg(image_format, name):
    pole = PoleFactory()
    photo = save_pole_photo(
        photo=PolePhoto(pole=pole, alt_text="Atelier de test"),
        upload=upload(image_bytes(image_format), name),
    )
    photo.refresh_from_db()
    assert photo.image.name.startswith("poles/photos/")
    assert photo.image.name.endswith(".jpg")
    for field in ("image", "image_page", "image_popup"):
        assert stored_image(getattr(photo, field).name).format == "JPEG"


def test_process_upload_only_returns_files_and_stores_nothing():
    before = set(Path(settings.MEDIA_ROOT).rglob("*"))
    processed = process_upload(
        File(io.BytesIO(image_bytes("WEBP", size=(1500, 1000))), name="x.webp"),
        kind=images.PHOTO,
    )
    assert set(processed.files) == {"image", "image_page", "image_popup"}
    assert processed.sizes == {
        "image": (1500, 1000),
        "image_page": (1200, 800),
        "image_popup": (320, 213),
    }
    assert processed.files["image"].name.endswith(".jpg")
    assert set(Path(settings.MEDIA_ROOT).rglob("*")) == before


def test_the_content_decides_not_the_name():
    # A real PNG sent with a misleading name is accepted, and stored under a new name.
    photo = save_pole_photo(
        photo=PolePhoto(pole=PoleFactory(), alt_text="Logo"),
        upload=upload(image_bytes("PNG"), "IMG_holiday_at_home.bin"),
    )
    assert "holiday" not in photo.image.name


def test_renditions_have_their_sizes():
    photo = save_pole_photo(
        photo=PolePhoto(pole=PoleFactory(), alt_text="Vue large"),
        upload=upload(image_bytes("JPEG", size=(3000, 2000))),
    )
    assert stored_image(photo.image.name).size == (2400, 1600)
    assert stored_image(photo.image_page.name).size == (1200, 800)
    assert stored_image(photo.image_popup.name).size == (320, 213)
    assert (photo.page_width, photo.page_height) == (1200, 800)
    assert photo.page_url.endswith(".jpg") and photo.page_url != photo.url
    assert photo.popup_url.startswith(settings.MEDIA_URL)


def test_small_images_are_not_enlarged():
    photo = save_pole_photo(
        photo=PolePhoto(pole=PoleFactory(), alt_text="Petite"),
        upload=upload(image_bytes("JPEG", size=(200, 100))),
    )
    assert stored_image(photo.image_page.name).size == (200, 100)


def test_metadata_is_stripped_after_applying_the_orientation():
    photo = save_pole_photo(
        photo=PolePhoto(pole=PoleFactory(), alt_text="Portrait"),
        upload=upload(jpeg_with_metadata(size=(400, 200), orientation=6)),
    )
    for field in ("image", "image_page", "image_popup"):
        stored = stored_image(getattr(photo, field).name)
        exif = stored.getexif()
        assert not exif.get_ifd(GPS_IFD)
        assert len(exif) == 0
        assert "exif" not in stored.info
        assert "icc_profile" not in stored.info
        assert "xmp" not in stored.info
        raw = media_path(getattr(photo, field).name).read_bytes()
        assert b"Synthetic Camera" not in raw
        assert b"xmpmeta" not in raw
    # Orientation 6 (rotated 90°) was applied to the pixels before the EXIF went.
    assert stored_image(photo.image.name).size == (200, 400)


def test_a_transparent_png_logo_stays_a_png_with_transparency():
    pole = PoleFactory()
    logo = Image.new("RGBA", (1000, 500), (0, 0, 0, 0))
    buffer = io.BytesIO()
    logo.save(buffer, "PNG")
    with transaction.atomic():
        set_pole_logo(pole=pole, upload=upload(buffer.getvalue(), "logo.png", "image/png"))
    pole.refresh_from_db()
    stored = stored_image(pole.logo.name)
    assert (stored.format, stored.mode, stored.size) == ("PNG", "RGBA", (800, 400))
    assert stored_image(pole.logo_small.name).size == (160, 80)
    assert pole.logo_url.endswith(".png")
    assert pole.logo_small_url != pole.logo_url


def test_a_jpeg_logo_is_stored_as_jpeg_without_metadata():
    pole = PoleFactory()
    set_pole_logo(pole=pole, upload=upload(jpeg_with_metadata()))
    pole.refresh_from_db()
    stored = stored_image(pole.logo.name)
    assert stored.format == "JPEG"
    assert not stored.getexif()


# Alt text ------------------------------------------------------------------------------


def test_alt_text_is_required_and_nothing_is_stored_without_it():
    before = set(Path(settings.MEDIA_ROOT).rglob("*"))
    with pytest.raises(ValidationError) as excinfo:
        save_pole_photo(
            photo=PolePhoto(pole=PoleFactory(), alt_text=""),
            upload=upload(image_bytes("JPEG")),
        )
    assert "alt_text" in excinfo.value.message_dict
    assert set(Path(settings.MEDIA_ROOT).rglob("*")) == before
    assert not PolePhoto.objects.exists()


def test_the_photo_form_requires_an_image_and_alt_text():
    form = PolePhotoForm(data={"alt_text": "", "position": 0}, files={})
    assert not form.is_valid()
    assert set(form.errors) == {"image", "alt_text"}


# Replacing and deleting remove the files ---------------------------------------------


def photo_files(photo) -> list[Path]:
    return [media_path(getattr(photo, field).name) for field in images.PHOTO.renditions]


def test_replacing_a_photo_removes_its_old_files_once_committed(
    django_capture_on_commit_callbacks,
):
    photo = save_pole_photo(
        photo=PolePhoto(pole=PoleFactory(), alt_text="Avant"),
        upload=upload(image_bytes("JPEG")),
    )
    old_files = photo_files(photo)
    assert all(path.exists() for path in old_files)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        photo = save_pole_photo(photo=photo, upload=upload(image_bytes("PNG"), "b.png"))
    # Until the transaction commits, the old files stay: the row could still roll back.
    assert all(path.exists() for path in old_files)
    for callback in callbacks:
        callback()
    assert not any(path.exists() for path in old_files)
    assert all(path.exists() for path in photo_files(photo))


def test_a_rolled_back_replacement_keeps_the_old_files(django_capture_on_commit_callbacks):
    photo = save_pole_photo(
        photo=PolePhoto(pole=PoleFactory(), alt_text="Avant"),
        upload=upload(image_bytes("JPEG")),
    )
    old_files = photo_files(photo)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        save_pole_photo(photo=photo, upload=upload(image_bytes("PNG"), "b.png"))
        raise RuntimeError("the rest of the save failed")
    assert all(path.exists() for path in old_files)
    photo.refresh_from_db()
    assert photo_files(photo) == old_files


def test_deleting_a_photo_removes_all_its_files(django_capture_on_commit_callbacks):
    photo = save_pole_photo(
        photo=PolePhoto(pole=PoleFactory(), alt_text="À supprimer"),
        upload=upload(image_bytes("JPEG")),
    )
    files = photo_files(photo)
    with django_capture_on_commit_callbacks(execute=True):
        delete_pole_photo(photo=photo)
    assert not PolePhoto.objects.exists()
    assert not any(path.exists() for path in files)


def test_deleting_a_pole_keeps_its_photos_and_logo_files(django_capture_on_commit_callbacks):
    """Its deletion can be undone from the history, which needs the files (the pole's
    deletion snapshot names them)."""
    pole = PoleFactory()
    photo = save_pole_photo(
        photo=PolePhoto(pole=pole, alt_text="Photo"), upload=upload(image_bytes("JPEG"))
    )
    set_pole_logo(pole=pole, upload=upload(image_bytes("PNG"), "logo.png"))
    files = [*photo_files(photo), media_path(pole.logo.name), media_path(pole.logo_small.name)]
    assert all(path.exists() for path in files)
    with django_capture_on_commit_callbacks(execute=True):
        pole.delete()
    assert not Pole.objects.filter(pk=pole.pk).exists()
    assert all(path.exists() for path in files)


def test_replacing_and_removing_a_logo_removes_its_files(django_capture_on_commit_callbacks):
    pole = PoleFactory()
    set_pole_logo(pole=pole, upload=upload(image_bytes("PNG"), "logo.png"))
    first = [media_path(pole.logo.name), media_path(pole.logo_small.name)]
    with django_capture_on_commit_callbacks(execute=True):
        set_pole_logo(pole=pole, upload=upload(image_bytes("PNG"), "logo2.png"))
    assert not any(path.exists() for path in first)
    second = [media_path(pole.logo.name), media_path(pole.logo_small.name)]
    assert all(path.exists() for path in second)
    with django_capture_on_commit_callbacks(execute=True):
        set_pole_logo(pole=pole, upload=None)
    pole.refresh_from_db()
    assert not pole.logo and not pole.logo_small
    assert not any(path.exists() for path in second)


# Through the admin ---------------------------------------------------------------------


@pytest.fixture
def staff_client(staff_client):
    """The shared superuser's client, reading the admin in English."""
    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return staff_client


def photos_prefix(page) -> str:
    return next(
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is PolePhoto
    )


def test_admin_adds_a_photo_through_the_inline(staff_client, django_capture_on_commit_callbacks):
    pole = PoleFactory()
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff_client.get(url)
    data = change_form_data(page)
    prefix = photos_prefix(page)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 1,
            f"{prefix}-0-alt_text": "Chantier d'insertion au travail",
            f"{prefix}-0-caption": "Le chantier en 2024",
            f"{prefix}-0-credit": "© Test, CC BY 4.0",
            f"{prefix}-0-position": 0,
            f"{prefix}-0-image": upload(jpeg_with_metadata(size=(1600, 1200))),
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    photo = pole.photos.get()
    assert photo.alt_text == "Chantier d'insertion au travail"
    stored = stored_image(photo.image.name)
    assert not stored.getexif()
    assert stored_image(photo.image_popup.name).size == (320, 240)
    # The preview shows on the change page.
    page = staff_client.get(url)
    assert photo.popup_url in page.content.decode()


def test_admin_refuses_an_svg_photo_with_a_field_error_and_stores_nothing(staff_client):
    pole = PoleFactory()
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff_client.get(url)
    data = change_form_data(page)
    prefix = photos_prefix(page)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 1,
            f"{prefix}-0-alt_text": "Logo",
            f"{prefix}-0-position": 0,
            f"{prefix}-0-image": upload(SVG, "photo.jpg", "image/jpeg"),
        }
    )
    before = set(Path(settings.MEDIA_ROOT).rglob("*"))
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "SVG" in response.content.decode()
    assert not PolePhoto.objects.exists()
    assert set(Path(settings.MEDIA_ROOT).rglob("*")) == before


def test_admin_requires_the_alt_text(staff_client):
    pole = PoleFactory()
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff_client.get(url)
    data = change_form_data(page)
    prefix = photos_prefix(page)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 1,
            f"{prefix}-0-alt_text": "",
            f"{prefix}-0-position": 0,
            f"{prefix}-0-image": upload(image_bytes("JPEG")),
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"]
    photo_formset = next(inline.formset for inline in errors if inline.formset.model is PolePhoto)
    assert "alt_text" in photo_formset.errors[0]
    assert not PolePhoto.objects.exists()


def test_admin_replaces_and_deletes_a_photo_and_its_files(
    staff_client, django_capture_on_commit_callbacks
):
    pole = PoleFactory()
    photo = save_pole_photo(
        photo=PolePhoto(pole=pole, alt_text="Première"), upload=upload(image_bytes("JPEG"))
    )
    first_files = photo_files(photo)
    url = reverse("admin:poles_pole_change", args=[pole.pk])

    page = staff_client.get(url)
    data = change_form_data(page)
    prefix = photos_prefix(page)
    data[f"{prefix}-0-image"] = upload(image_bytes("WEBP"), "new.webp", "image/webp")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    photo.refresh_from_db()
    assert not any(path.exists() for path in first_files)
    second_files = photo_files(photo)
    assert all(path.exists() for path in second_files)

    page = staff_client.get(url)
    data = change_form_data(page)
    data[f"{prefix}-0-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302
    assert not PolePhoto.objects.exists()
    assert not any(path.exists() for path in second_files)


def test_admin_logo_uses_the_same_checks_and_processing(
    staff_client, django_capture_on_commit_callbacks
):
    pole = PoleFactory()
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    page = staff_client.get(url)
    assert "JPEG, PNG or WebP" in page.content.decode()

    data = change_form_data(page)
    data["logo"] = upload(SVG, "logo.svg", "image/svg+xml")
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "SVG images are not accepted" in response.content.decode()
    pole.refresh_from_db()
    assert not pole.logo

    data = change_form_data(page)
    data["logo"] = upload(jpeg_with_metadata(size=(1000, 1000)))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302
    pole.refresh_from_db()
    logo_files = [media_path(pole.logo.name), media_path(pole.logo_small.name)]
    assert stored_image(logo_files[0]).size == (800, 800)
    assert not stored_image(logo_files[0]).getexif()

    # Ticking "clear" removes the logo and its files.
    page = staff_client.get(url)
    data = change_form_data(page)
    data["logo-clear"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302
    pole.refresh_from_db()
    assert not pole.logo and not pole.logo_small
    assert not any(path.exists() for path in logo_files)


def test_admin_bulk_deletion_keeps_the_files(staff_client, django_capture_on_commit_callbacks):
    pole = PoleFactory()
    photo = save_pole_photo(
        photo=PolePhoto(pole=pole, alt_text="Photo"), upload=upload(image_bytes("JPEG"))
    )
    files = photo_files(photo)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:poles_pole_changelist"),
            {"action": "delete_selected", "_selected_action": [pole.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Pole.objects.filter(pk=pole.pk).exists()
    assert all(path.exists() for path in files)  # for a recovery
