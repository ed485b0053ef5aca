"""Full history of the directory's records, kept by django-reversion.

The models are registered here, explicitly, rather than by VersionAdmin's
auto-registration from the admin's inlines: what a pole's revision holds then
does not depend on which inlines happen to be shown, and writes outside the admin
(the seed loader) are versioned the same way.
"""

from django.db import models
from django.db.models.signals import pre_save
from django.utils.formats import localize
from django.utils.translation import gettext as _

# Fields the history does not keep: the logo's files. A logo replaced or removed has
# its files deleted (poles.images), so an old version pointing at them would bring
# back a broken image; the logo is changed by uploading, never by reverting.
POLE_FILE_FIELDS = ("logo", "logo_small", "logo_small_width", "logo_small_height")
NOT_VERSIONED = {("poles", "pole"): POLE_FILE_FIELDS}


def register_models() -> None:
    """Register the edited models with django-reversion (idempotent)."""
    import reversion

    from members.models import College, Cooperator
    from poles.models import KeyFigure, Membership, Pole, PoleSource, Structure

    if not reversion.is_registered(Pole):
        # A pole's revision holds what its change form edits, so that reverting
        # or recovering a pole brings back its figures, members, sources and
        # governing body as they were; not its logo files (see POLE_FILE_FIELDS).
        reversion.register(
            Pole,
            exclude=POLE_FILE_FIELDS,
            follow=("figures", "memberships", "sources", "colleges", "cooperators"),
        )
        pre_save.connect(
            keep_current_logo_on_raw_save, sender=Pole, dispatch_uid="pole_keep_logo_on_revert"
        )
    # A structure does not follow its memberships: reverting a structure shared by
    # two poles must not rewrite the other pole's memberships.
    for model in (Structure, Membership, KeyFigure, PoleSource, College, Cooperator):
        if not reversion.is_registered(model):
            reversion.register(model)


def keep_current_logo_on_raw_save(sender, instance, raw, using, **kwargs):
    """A reverted or recovered pole keeps the logo it has now.

    django-reversion writes a version back with a raw save of every field, the
    unversioned ones at their defaults: without this, reverting a pole would drop its
    current logo (and leave its files orphaned), and reverting to a version saved
    before the logo was excluded would point at files deleted since. A pole that no
    longer exists (a recovered deletion) gets its logo only if the files are still
    there (loaddata restoring a backup with its media).
    """
    if not raw:
        return
    current = (
        sender._base_manager.using(using).filter(pk=instance.pk).values(*POLE_FILE_FIELDS).first()
    )
    if current is not None:
        for name, value in current.items():
            setattr(instance, name, value)
        return
    for name in ("logo", "logo_small"):
        field_file = getattr(instance, name)
        if field_file and not field_file.storage.exists(field_file.name):
            setattr(instance, name, "")
    if not instance.logo_small:
        instance.logo_small_width = instance.logo_small_height = None


def _versioned_fields(model) -> list[models.Field]:
    """The fields a staff member would recognise: editable ones, in form order, less
    the ones the history does not keep."""
    excluded = NOT_VERSIONED.get((model._meta.app_label, model._meta.model_name), ())
    return [
        field
        for field in (*model._meta.concrete_fields, *model._meta.many_to_many)
        if field.editable and not field.primary_key and field.name not in excluded
    ]


def _related_labels(model, dicts: list[dict]) -> dict[tuple[str, str], str]:
    """Labels of every related object named in the given field dicts, a query per model."""
    wanted: dict[type[models.Model], set] = {}
    for field in _versioned_fields(model):
        if not field.is_relation:
            continue
        for values in dicts:
            value = values.get(field.attname)
            if value in (None, ""):
                continue
            pks = value if field.many_to_many else [value]
            wanted.setdefault(field.related_model, set()).update(pks)
    labels = {}
    for related_model, pks in wanted.items():
        objects = related_model._base_manager.in_bulk(list(pks))
        for pk in pks:
            obj = objects.get(pk)
            # A related record deleted since: say so rather than fail.
            labels[(related_model._meta.label, str(pk))] = (
                str(obj) if obj is not None else _("deleted record #%(pk)s") % {"pk": pk}
            )
    return labels


def _display(field, value, labels) -> str:
    if value in (None, "") or (field.many_to_many and not value):
        return "—"
    if field.many_to_many:
        return ", ".join(
            sorted(labels.get((field.related_model._meta.label, str(pk)), str(pk)) for pk in value)
        )
    if field.is_relation:
        return labels.get((field.related_model._meta.label, str(value)), str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(localize(value))


def _comparable(field, value):
    if field.many_to_many:
        return sorted(str(pk) for pk in value or [])
    if value in (None, ""):
        return None
    return str(value)


def current_field_dict(obj) -> dict:
    """The object's current values, shaped like reversion's `Version.field_dict`."""
    values = {}
    for field in _versioned_fields(type(obj)):
        if field.many_to_many:
            values[field.attname] = [related.pk for related in getattr(obj, field.name).all()]
        else:
            values[field.attname] = getattr(obj, field.attname)
    return values


def compare(model, columns: list[dict | None]) -> list[dict]:
    """One row per field: its label, its value in each column, and whether they differ.

    `columns` are field dicts (a version's, the current object's); None stands for
    "no such version" (the first version has no previous one).
    """
    present = [values for values in columns if values is not None]
    labels = _related_labels(model, present)
    rows = []
    for field in _versioned_fields(model):
        cells = [
            None if values is None else _display(field, values.get(field.attname), labels)
            for values in columns
        ]
        comparable = {repr(_comparable(field, values.get(field.attname))) for values in present}
        rows.append(
            {
                "name": field.name,
                "label": str(field.verbose_name),
                "cells": cells,
                "changed": len(comparable) > 1,
            }
        )
    return rows


def versions_to_revert(version, *, pole_allowed=None) -> list:
    """The versions a revert to `version` restores: its own record; for a pole, the
    records it follows (figures, memberships, sources, colleges, cooperators) **of that
    pole**; for a structure, its memberships snapshotted with it (in the poles that
    `pole_allowed(pole_id)` accepts, when given) — never the other records saved in the
    same revision. One revision may hold many poles (a publish action on several, an
    import file, a bulk deletion): reverting one pole must not rewrite or delete the
    others, which may lie outside the editor's scope."""
    from poles.models import Membership, Pole, Structure

    target = int(version.object_id) if version._model in (Pole, Structure) else None
    own = []
    for candidate in version.revision.version_set.all():
        if (
            candidate.content_type_id == version.content_type_id
            and candidate.object_id == version.object_id
        ):
            own.append(candidate)
        elif version._model is Pole and candidate._model is not Pole:
            if candidate.field_dict.get("pole_id") == target:
                own.append(candidate)
        elif version._model is Structure and candidate._model is Membership:
            values = candidate.field_dict
            if values.get("structure_id") == target and (
                pole_allowed is None or pole_allowed(values.get("pole_id"))
            ):
                own.append(candidate)
    return own


def revert_versions(versions, *, delete: bool = False) -> None:
    """`Revision.revert` restricted to `versions` (django-reversion 6's own steps): with
    `delete`, the records these versions follow that were added since are deleted."""
    import contextlib
    from itertools import groupby

    from django.db import transaction
    from django.db.models.deletion import Collector
    from reversion.models import _safe_revert
    from reversion.revisions import _follow_relations_recursive

    if not versions:
        return
    database = versions[0].db
    with transaction.atomic(using=database):
        if delete:
            old_revision = set()
            for version in versions:
                model = version._model
                with contextlib.suppress(model.DoesNotExist):
                    old_revision.add(
                        model._default_manager.using(version.db).get(pk=version.object_id)
                    )
            current = [
                item
                for obj in old_revision
                for item in _follow_relations_recursive(obj)
                if item not in old_revision
            ]
            collector = Collector(using=database)
            for _model, group in groupby(current, type):
                collector.collect(list(group))
            collector.delete()
        _safe_revert(versions)
