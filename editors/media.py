"""Which uploaded files nothing names any more, for `manage.py purge_unreferenced_media`.

A deleted pole keeps its logo and photos on disk because its deletion snapshot in the
history names them and recovering the pole brings them back (docs/admin-guide-history.md).
A file may therefore go only when neither a stored row nor any remaining version of the
history names it: once the old revisions of the deleted poles are deleted
(`manage.py deleterevisions`), this finds their files.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.utils import timezone
from reversion.models import Version


@dataclass(frozen=True)
class FileField:
    model: type[models.Model]
    name: str
    folder: str


def file_fields() -> list[FileField]:
    """Every file field of the project's models, with the folder its uploads go to."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and isinstance(field.upload_to, str):
                found.append(FileField(model, field.name, field.upload_to))
    return found


def referenced_names(fields: list[FileField]) -> set[str]:
    """File names named by a stored row or by a version of the history."""
    names: set[str] = set()
    by_model: dict[type[models.Model], list[str]] = {}
    for field in fields:
        by_model.setdefault(field.model, []).append(field.name)
    for model, field_names in by_model.items():
        for row in model._default_manager.values_list(*field_names).iterator():
            names.update(value for value in row if value)
        content_type = ContentType.objects.get_for_model(model)
        versions = Version.objects.filter(content_type=content_type, format="json")
        for serialized in versions.values_list("serialized_data", flat=True).iterator():
            for record in json.loads(serialized):
                names.update(
                    value
                    for name in field_names
                    if isinstance(value := record.get("fields", {}).get(name), str) and value
                )
    return names


def stored_names(storage: Storage, folder: str) -> list[str]:
    """The files under `folder` (recursively), as storage names."""
    folder = folder.rstrip("/")
    if not storage.exists(folder):
        return []
    directories, files = storage.listdir(folder)
    names = [f"{folder}/{name}" for name in files]
    for directory in directories:
        names += stored_names(storage, f"{folder}/{directory}")
    return names


def unreferenced_files(
    *, min_age: timedelta, storage: Storage = default_storage, now: datetime | None = None
) -> list[str]:
    """Files in the upload folders that nothing names and that are older than `min_age`.

    The age spares an upload whose row is not committed yet (an editor's save in
    progress): the file is written before the transaction that names it commits.
    """
    now = now or timezone.now()
    fields = file_fields()
    referenced = referenced_names(fields)
    candidates = sorted({name for field in fields for name in stored_names(storage, field.folder)})
    return [
        name
        for name in candidates
        if name not in referenced and now - storage.get_modified_time(name) >= min_age
    ]
