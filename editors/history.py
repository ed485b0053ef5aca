"""Full history of the directory's records, kept by django-reversion.

The models are registered here, explicitly, rather than by VersionAdmin's
auto-registration from the admin's inlines: what a pole's revision holds then
does not depend on which inlines happen to be shown, and writes outside the admin
(the seed loader) are versioned the same way.
"""

import dataclasses
import hashlib
from dataclasses import dataclass
from itertools import groupby

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connections, models, transaction
from django.db.models.deletion import Collector
from django.db.models.signals import pre_save
from django.utils.formats import localize
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion.errors import RevertError

# django-reversion has no public API for these two steps of its own `Revision.revert`:
# following a record's registered relations (what a revert deletes) and writing versions
# back in an order that satisfies their foreign keys. Pinned by the lock file; the
# history tests exercise both.
from reversion.models import _safe_revert
from reversion.revisions import _follow_relations_recursive

from members.models import College, Cooperator
from poles import derived
from poles.models import KeyFigure, Membership, Pole, PolePhoto, PoleSource, Structure

# The image fields of the versioned models. Versions hold their file names (so that a
# recovered pole gets its logo and photos back), but a revert never changes them: an
# image is changed by uploading, and the files an old version names may have been
# deleted since (a logo or a photo replaced). See keep_current_files_on_raw_save.
POLE_FILE_FIELDS = ("logo", "logo_small", "logo_small_width", "logo_small_height")
PHOTO_FILE_FIELDS = ("image", "image_page", "image_popup", "page_width", "page_height")
FILE_FIELDS = {
    "poles.pole": {
        "fields": POLE_FILE_FIELDS,
        "files": ("logo", "logo_small"),
        "required": (),
    },
    # A photo is its image: one whose files are gone cannot come back.
    "poles.polephoto": {
        "fields": PHOTO_FILE_FIELDS,
        "files": ("image", "image_page", "image_popup"),
        "required": ("image",),
    },
}
# Fields the diffs and revert plans do not show (never reverted, see above).
NOT_VERSIONED = {("poles", "pole"): POLE_FILE_FIELDS, ("poles", "polephoto"): PHOTO_FILE_FIELDS}


def stored_object(version):
    """The record as the version stores it, deserialised once per version. Reverting
    writes this very object, so a link cleared on it is cleared in the revert."""
    return version._object_version.object  # noqa: SLF001 - no public API gives the object reversion will write


def stored_m2m(version) -> dict:
    return version._object_version.m2m_data or {}  # noqa: SLF001 - as stored_object()


def model_of(version):
    """The model a version stores, through public APIs (what django-reversion's private
    `Version._model` reads)."""
    content_types = ContentType.objects.db_manager(version._state.db)
    return content_types.get_for_id(version.content_type_id).model_class()


def register_models() -> None:
    """Register the edited models with django-reversion (idempotent)."""
    if not reversion.is_registered(Pole):
        # A pole's revision holds what its change form edits, so that reverting
        # or recovering a pole brings back its figures, members, sources and
        # governing body as they were. Photos are not followed (a revert does not
        # delete the photos added since); they are saved with the pole's revisions
        # and in its deletion snapshot, so that a recovered pole gets them back.
        reversion.register(
            Pole, follow=("figures", "memberships", "sources", "colleges", "cooperators")
        )
    # A structure does not follow its memberships: reverting a structure shared by
    # two poles must not rewrite the other pole's memberships.
    for model in (Structure, Membership, KeyFigure, PoleSource, College, Cooperator, PolePhoto):
        if not reversion.is_registered(model):
            reversion.register(model)
    for model in (Pole, PolePhoto):
        pre_save.connect(
            keep_current_files_on_raw_save,
            sender=model,
            dispatch_uid=f"keep-files-on-revert-{model._meta.label_lower}",
        )


def keep_current_files_on_raw_save(sender, instance, raw, using, **kwargs):
    """A reverted or recovered pole (or photo) keeps the image files it has now.

    django-reversion writes a version back with a raw save of every field: without
    this, reverting a pole would put back the logo it had then, whose files were
    deleted when it was replaced. A record that no longer exists (a recovered deletion,
    or loaddata restoring a backup) gets the files its version names only if they are
    still stored; deleting a pole keeps them for that (see poles.images).
    """
    if not raw:
        return
    spec = FILE_FIELDS[sender._meta.label_lower]
    current = (
        sender._base_manager.using(using).filter(pk=instance.pk).values(*spec["fields"]).first()
    )
    if current is not None:
        for name, value in current.items():
            setattr(instance, name, value)
        return
    for name in spec["files"]:
        field_file = getattr(instance, name)
        if field_file and not field_file.storage.exists(field_file.name):
            setattr(instance, name, "")
    if sender._meta.label_lower == "poles.pole" and not instance.logo_small:
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

    target = int(version.object_id) if model_of(version) in (Pole, Structure) else None
    own = []
    for candidate in version.revision.version_set.all():
        if (
            candidate.content_type_id == version.content_type_id
            and candidate.object_id == version.object_id
        ):
            own.append(candidate)
        elif model_of(version) is Pole and model_of(candidate) is not Pole:
            if candidate.field_dict.get("pole_id") == target:
                own.append(candidate)
        elif model_of(version) is Structure and model_of(candidate) is Membership:
            values = candidate.field_dict
            if values.get("structure_id") == target and (
                pole_allowed is None or pole_allowed(values.get("pole_id"))
            ):
                own.append(candidate)
    return own


# What a revert or a recovery will do ------------------------------------------------------


@dataclass
class RevertPlan:
    """What restoring `versions` does, worked out before anything is written.

    - `restore`: the versions written back (each an addition or a change);
    - `add` / `change`: the same, as shown to the editor (a change lists its fields);
    - `delete`: the records added since that the revert deletes (the collector's
      list, cascades included);
    - `skipped`: versions that cannot come back (a record they point at is gone, or a
      photo's files were deleted), with the reason; the current row, if any, is kept;
    - `token`: a digest of all this, carried by the confirmation form, so that a
      confirmation applies exactly the plan the editor saw.
    """

    restore: list = dataclasses.field(default_factory=list)
    add: list = dataclasses.field(default_factory=list)
    change: list = dataclasses.field(default_factory=list)
    delete: list = dataclasses.field(default_factory=list)
    skipped: list = dataclasses.field(default_factory=list)
    deletion: list = dataclasses.field(default_factory=list)  # the instances to delete
    token: str = ""

    def as_context(self, name: str) -> dict:
        return {
            "name": name,
            "token": self.token,
            "add": self.add,
            "change": self.change,
            "delete": self.delete,
            "skipped": self.skipped,
        }


def _label(model, text) -> str:
    return f"{capfirst(model._meta.verbose_name)} « {text} »"


def _missing_files(model, values) -> bool:
    """A photo whose files were deleted since (replaced, or removed with its row)."""
    names = FILE_FIELDS.get(model._meta.label_lower, {}).get("required", ())
    for name in names:
        value = values.get(name)
        if not value:
            return True
        storage = model._meta.get_field(name).storage
        if not storage.exists(str(value)):
            return True
    return False


def _restorable(versions) -> tuple[list, list, dict]:
    """Split versions into those that can be written back and those that cannot.

    Foreign keys are deferred on SQLite and PostgreSQL: a version pointing at a record
    deleted since would be written without error and fail only at commit (a 500 after
    the success message). So each key is checked here, against the rows now and the
    other versions restored with it, until nothing more drops out. A nullable key to a
    gone record is cleared (noted); a required one skips the version.
    """
    kept = list(versions)
    skipped = []
    notes = {}
    while True:
        restored = {(model_of(v), str(v.object_id)) for v in kept}
        dropped = []
        for version in kept:
            reason = _why_not_restorable(version, restored, notes)
            if reason:
                dropped.append((version, reason))
            else:
                _drop_links_to_deleted_records(version, notes)
        if not dropped:
            return kept, skipped, notes
        for version, reason in dropped:
            kept.remove(version)
            skipped.append((version, reason))


def _why_not_restorable(version, restored, notes) -> str:
    """Why this version cannot be written back ("" if it can). A nullable link to a
    record deleted since is cleared on the stored object and noted instead."""
    model = model_of(version)
    values = version.field_dict
    exists_now = model._base_manager.filter(pk=version.object_id).exists()
    if not exists_now and _missing_files(model, values):
        return _("its files were deleted")
    for model_field in model._meta.concrete_fields:
        target = values.get(model_field.attname) if model_field.is_relation else None
        if target is None:
            continue
        related = model_field.related_model
        if (related, str(target)) in restored or related._base_manager.filter(pk=target).exists():
            continue
        if not model_field.null:
            return _("its %(field)s was deleted") % {"field": model_field.verbose_name}
        setattr(stored_object(version), model_field.attname, None)
        notes.setdefault(version.pk, []).append(
            _("its link to %(model)s #%(pk)s is cleared (deleted since)")
            % {"model": related._meta.verbose_name, "pk": target}
        )
    return ""


def _drop_links_to_deleted_records(version, notes) -> None:
    """Many-to-many links to records deleted since are dropped, not written."""
    model = model_of(version)
    m2m = stored_m2m(version)
    for name, pks in list(m2m.items()):
        related = model._meta.get_field(name).related_model
        found = {
            str(pk)
            for pk in related._base_manager.filter(pk__in=list(pks)).values_list("pk", flat=True)
        }
        gone = [pk for pk in pks if str(pk) not in found]
        if gone:
            m2m[name] = [pk for pk in pks if str(pk) in found]
            notes.setdefault(version.pk, []).append(
                _("%(count)d link(s) of %(field)s to deleted records are dropped")
                % {"count": len(gone), "field": model._meta.get_field(name).verbose_name}
            )


def _token(parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _plan_deletions(plan, current_rows, skipped, *, database) -> None:
    # As django-reversion's Revision.revert(delete=True): what the restored records
    # follow now and the versions do not hold. The rows of skipped versions stay.
    keep = set(current_rows.values())
    for version, _reason in skipped:
        row = model_of(version)._base_manager.filter(pk=version.object_id).first()
        if row is not None:
            keep.add(row)
    extra = [
        item
        for obj in current_rows.values()
        for item in _follow_relations_recursive(obj)
        if item not in keep
    ]
    if extra:
        collector = Collector(using=database)
        for _model, group in groupby(sorted(extra, key=lambda o: o._meta.label), type):
            collector.collect(list(group))
        for model, instances in collector.data.items():
            for instance in sorted(instances, key=lambda o: o.pk):
                plan.delete.append(
                    {
                        "label": _label(model, str(instance)),
                        "key": (model._meta.label, instance.pk),
                    }
                )
        plan.deletion = extra


def plan_revert(versions, *, delete: bool = True) -> RevertPlan:
    """The plan of restoring `versions` (see RevertPlan); writes nothing."""

    plan = RevertPlan()
    kept, skipped, notes = _restorable(versions)
    plan.restore = kept
    for version, reason in skipped:
        plan.skipped.append(
            {
                "label": _label(model_of(version), version.object_repr),
                "reason": reason,
                "key": (model_of(version)._meta.label, version.object_id),
            }
        )
    current_rows = {}
    for version in kept:
        model = model_of(version)
        obj = model._base_manager.filter(pk=version.object_id).first()
        label = _label(model, version.object_repr)
        if obj is None:
            plan.add.append(
                {"label": label, "notes": notes.get(version.pk, []), "key": version.object_id}
            )
            continue
        current_rows[(model, str(obj.pk))] = obj
        rows = compare(model, [version.field_dict, current_field_dict(obj)])
        changed = [row for row in rows if row["changed"]]
        if changed or notes.get(version.pk):
            plan.change.append(
                {
                    "label": _label(model, str(obj)),
                    "fields": [row["label"] for row in changed],
                    "names": [row["name"] for row in changed],
                    "notes": notes.get(version.pk, []),
                    "key": (model._meta.label, obj.pk),
                }
            )
    if delete:
        _plan_deletions(plan, current_rows, skipped, database=kept[0].db if kept else "default")
    plan.token = _token(
        (
            [(v.pk,) for v in kept],
            [item["key"] for item in plan.skipped],
            # Keys and field names, not labels: the digest does not depend on the language.
            [(item["key"], item["names"]) for item in plan.change],
            [item["key"] for item in plan.delete],
        )
    )
    return plan


def _check_foreign_keys(versions, database) -> None:
    """Run the deferred foreign-key checks now, inside the revert's transaction."""
    tables = sorted({model_of(version)._meta.db_table for version in versions})
    connection = connections[database]
    try:
        with transaction.atomic(using=database):
            connection.check_constraints(table_names=tables)
    except IntegrityError as error:
        raise RevertError(
            _(
                "Nothing was restored: this version points at a missing record (deleted "
                "since). Restore that record first, or ask a national administrator."
            )
        ) from error


def apply_plan(plan: RevertPlan) -> None:
    """Carry out a plan: delete what it lists, write back its versions, then check that
    no row points at a missing record, all in one transaction (rolled back otherwise)."""
    revert_versions(plan.restore, deletion=plan.deletion)


def revert_versions(versions, *, deletion=()) -> None:
    """`Revision.revert` restricted to `versions` (django-reversion 6's own steps), with
    the records in `deletion` deleted first; raises RevertError, having written nothing,
    when a version cannot be written or leaves a row pointing at a missing record."""

    if not versions:
        raise RevertError(_("Nothing could be restored from this version."))
    database = versions[0].db
    # The derived data of the poles written refreshed once, after the checks, as every
    # writer does (poles/derived.py: a refresh per row would lock the poles in steps).
    with transaction.atomic(using=database), derived.batch():
        if deletion:
            collector = Collector(using=database)
            for _model, group in groupby(sorted(deletion, key=lambda o: o._meta.label), type):
                collector.collect(list(group))
            collector.delete()
        _safe_revert(versions)
        _check_foreign_keys(versions, database)
