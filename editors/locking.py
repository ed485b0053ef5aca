"""No lost update: every record the admin edits, and every inline row, carries its version.

What a version is
-----------------
For each record on a change page (the page's own record and every row of its inlines)
the page carries, in one hidden input (LOCK_FIELD), a short digest of the stored
value of each field the form edits, computed when the page was rendered:

    {"poles.keyfigure:12": {"label": "Key figures 2023", "fields": {"etp": "3f0a…", …}}}

Why digests of the stored values, rather than `updated_at` or a version column:
- every model gets it with no migration (key figures, memberships, cooperators,
  colleges, sources and reference lists have no `updated_at`), and it follows any
  writer (an import, a script, another server instance): it is computed from the
  database row, not remembered by a process;
- a digest per field, not one per row, lets the save tell *which* fields somebody
  else changed, and so merge: the form knows what the editor loaded (the digests),
  what they submitted and what is stored now. A field the editor did not change
  takes the stored value (so a save never puts back a stale value), a field only
  they changed is saved, and only a field both changed, to different values, is a
  conflict: the form is refused and shows both values. The digests are one-way, so
  the hidden input does not carry the texts of the page a second time.

Values are compared in a canonical form (`canonical`): line endings are normalised
(a browser submits a textarea with CRLF, an import writes LF) and surrounding
whitespace ignored, decimals compared by value, date-times in UTC to the second,
relations by primary key, many-to-many as sorted sets.

A POST without LOCK_FIELD (a script, a page older than this) is not checked: this
guards against lost updates, it is not an access control. A forged token only makes
its own sender's save merge or conflict.

Between the check and the write, the rows are locked (SELECT … FOR UPDATE, on the
databases that have it): two saves that arrive at the same moment are checked one
after the other.
"""

import hashlib
import json
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.files.base import File
from django.db import connections, router
from django.db import models as db_models
from django.db.models.fields.files import FieldFile
from django.forms.boundfield import BoundField
from django.forms.models import InlineForeignKeyField
from django.forms.utils import ErrorDict
from django.utils.formats import localize
from django.utils.text import capfirst
from django.utils.translation import gettext as _

# Name of the hidden input carrying the versions of the page's records.
LOCK_FIELD = "_versions"


# Canonical values and digests ------------------------------------------------------


def _canonical_decimal(value: Decimal) -> str:
    if not value.is_finite():
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"", "-0"} else text


def _canonical_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat()


# By kind of value, in this order (a bool is an int, a datetime a date, a FieldFile a
# File): how two values an editor would call equal get the same text.
_CANONICAL = (
    (bool, lambda value: "1" if value else "0"),
    (db_models.Model, lambda value: "" if value.pk is None else str(value.pk)),
    (str, lambda value: value.replace("\r\n", "\n").replace("\r", "\n").strip()),
    (Decimal, _canonical_decimal),
    (datetime, _canonical_datetime),
    (time, lambda value: value.replace(microsecond=0).isoformat()),
    (date, lambda value: value.isoformat()),
    (FieldFile, lambda value: value.name or ""),
    # A new upload: never equal to what is stored.
    (File, lambda value: f"upload:{value.name}:{value.size}"),
    (
        db_models.QuerySet | list | tuple | set | frozenset,
        lambda value: "[" + "\x1f".join(sorted(canonical(item) for item in value)) + "]",
    ),
    (dict, lambda value: json.dumps(value, sort_keys=True, default=str)),
)


def canonical(value) -> str:
    """A text that is equal for two values exactly when an editor would call them equal."""
    if value is None:
        return ""
    for kind, write in _CANONICAL:
        if isinstance(value, kind):
            return write(value)
    return str(value)


def digest(value) -> str:
    return hashlib.sha256(canonical(value).encode()).hexdigest()[:16]


def record_version(instance, field_names) -> str:
    """One version of a whole record: a digest of the stored values of `field_names`
    (many-to-many as sets). The JSON API's writes compare it with the client's
    `If-Match`, as the admin's forms compare their per-field digests."""
    values = {
        name: canonical(instance._meta.get_field(name).value_from_object(instance))
        for name in sorted(field_names)
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:20]


def version_key(instance) -> str:
    return f"{instance._meta.label_lower}:{instance.pk}"


def default_row_label(instance) -> str:
    return f"{capfirst(instance._meta.verbose_name)} « {instance} »"


def show(model_field, value) -> str:
    """A stored or submitted value as the editor reads it in a message."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "" or value is False:
        return "—"
    if model_field is not None and model_field.choices and not model_field.is_relation:
        return str(dict(model_field.flatchoices).get(value, value))
    if (
        model_field is not None
        and model_field.many_to_one
        and not isinstance(value, db_models.Model)
    ):
        value = model_field.related_model._default_manager.filter(pk=value).first() or value
    if isinstance(value, db_models.QuerySet | list | tuple | set):
        return ", ".join(sorted(str(item) for item in value)) or "—"
    if isinstance(value, FieldFile):
        return value.name
    if isinstance(value, File):
        return _("a new file")
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    if isinstance(value, Decimal) and value.is_finite():
        # As typed, without the zeros of the column's scale: 12, 0,75 (not 12,00).
        value = Decimal(_canonical_decimal(value))
    return str(localize(value))


def lock_rows(queryset) -> None:
    """Lock the rows (in primary-key order) until the end of the transaction, so that a
    concurrent save waits for this one and then sees its result."""
    alias = router.db_for_write(queryset.model)
    connection = connections[alias]
    if not connection.features.has_select_for_update or not connection.in_atomic_block:
        return
    list(queryset.using(alias).select_for_update().order_by("pk").values_list("pk", flat=True))


# Forms --------------------------------------------------------------------------------


class ReportLine:
    """One thing somebody else changed, as the save found it."""

    MERGED = "merged"  # they changed it, the editor did not: their value is kept
    CONFLICT = "conflict"  # both changed it, differently: refused, both values shown
    DELETED = "deleted"  # the row is gone: not saved again

    def __init__(self, kind, *, key, row, field="", theirs="", mine=""):  # noqa: PLR0913 - keyword-only parts of one report line
        self.kind, self.key, self.row = kind, key, row
        self.field, self.theirs, self.mine = field, theirs, mine


class VersionedBoundField(BoundField):
    """Re-shows the stored value, rather than the submitted one, for a field the form
    merged: the editor did not touch it and somebody else changed it meanwhile."""

    def value(self):
        if self.name in self.form.show_stored:
            return self.field.prepare_value(self.initial)
        return super().value()


class VersionedFormMixin:
    """A model form (the change form's or an inline row's) that checks and merges
    against the version the editor loaded: see the module's docstring."""

    bound_field_class = VersionedBoundField
    # How an inline row is named in messages (None: the page's own record).
    version_row_label = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_stored = set()
        self.version_report: list[ReportLine] = []
        self.deleted_meanwhile = False
        # Now, before validation copies the submitted values onto the instance.
        self.stored_version = self._stored_version() if self.instance.pk is not None else None

    # What is stored ----------------------------------------------------------------

    def versioned_fields(self) -> dict:
        opts = self.instance._meta
        found = {}
        for name, field in self.fields.items():
            if field.disabled or isinstance(field, InlineForeignKeyField):
                continue
            try:
                model_field = opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if model_field.primary_key or not (model_field.concrete or model_field.many_to_many):
                continue
            if model_field.auto_created:
                continue
            found[name] = model_field
        return found

    def _stored_value(self, name, model_field):
        if model_field.many_to_many and name in self.initial:
            return self.initial[name]  # read once by the ModelForm already
        return model_field.value_from_object(self.instance)

    def row_label(self) -> str | None:
        if self.version_row_label is None:
            return None
        return str(self.version_row_label(self.instance))

    def _stored_version(self) -> dict:
        return {
            "label": self.row_label() or "",
            "fields": {
                name: digest(self._stored_value(name, model_field))
                for name, model_field in self.versioned_fields().items()
            },
        }

    # What the editor loaded ------------------------------------------------------------

    def loaded_versions(self) -> dict | None:
        raw = self.data.get(LOCK_FIELD) if self.is_bound else None
        if not raw or not isinstance(raw, str):
            return None
        try:
            versions = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, or nested beyond reason
            return None
        return versions if isinstance(versions, dict) else None

    def loaded_version(self, key) -> dict | None:
        version = (self.loaded_versions() or {}).get(key)
        if not isinstance(version, dict) or not isinstance(version.get("fields"), dict):
            return None
        return version

    # Validation ------------------------------------------------------------------------

    def full_clean(self):
        if self.deleted_meanwhile:
            # Reported, not saved: the formset skips a row whose instance has no pk.
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def clean(self):
        # Before the other checks (scope, the formset's rules): they judge the merged
        # values, which are the ones saved.
        self._reconcile()
        return super().clean()

    def _reconcile(self):
        if self.stored_version is None:
            return
        key = version_key(self.instance)
        loaded = self.loaded_version(key)
        if loaded is None:
            return
        row = self.row_label()
        fields = self.versioned_fields()
        for name, base in loaded["fields"].items():
            model_field = fields.get(name)
            now = self.stored_version["fields"].get(name)
            if model_field is None or now is None or now == base:
                continue  # not on this form, or nobody else changed it
            form_field = self.fields[name]
            stored = self._stored_value(name, model_field)
            label = str(form_field.label or capfirst(model_field.verbose_name))
            if isinstance(form_field, forms.FileField):
                mine_changed = name in self.changed_data
                mine = self.cleaned_data.get(name)
                same = False
            elif name in self.cleaned_data:
                mine = self.cleaned_data[name]
                mine_digest = digest(mine)
                mine_changed = mine_digest != base
                same = mine_digest == now
            else:  # invalid input: the editor typed something, somebody else changed it
                mine, mine_changed, same = self[name].data, True, False
            if not mine_changed:
                self._take_stored(name, model_field)
                self.version_report.append(
                    ReportLine(
                        ReportLine.MERGED,
                        key=key,
                        row=row,
                        field=label,
                        theirs=show(model_field, stored),
                    )
                )
            elif not same:
                theirs = show(model_field, stored)
                yours = show(model_field, mine)
                self.version_report.append(
                    ReportLine(
                        ReportLine.CONFLICT,
                        key=key,
                        row=row,
                        field=label,
                        theirs=theirs,
                        mine=yours,
                    )
                )
                self.add_error(
                    name,
                    _(
                        "Changed by another user after you opened this page: it is now "
                        "“%(theirs)s”, you entered “%(mine)s”. Keep the value you want, then "
                        "save again."
                    )
                    % {"theirs": theirs, "mine": yours},
                )

    @property
    def changed_data(self):
        # A merged field holds the stored value again: not a change of this editor's
        # (for the history's "changed …" message, and so that a row whose only
        # differences were merged is not saved at all).
        return [name for name in super().changed_data if name not in self.show_stored]

    def _take_stored(self, name, model_field):
        if isinstance(self.fields[name], forms.FileField):
            return  # untouched upload: the stored file is kept as it is
        if model_field.many_to_many:
            value = list(self._stored_value(name, model_field))
        elif model_field.many_to_one:
            value = getattr(self.instance, model_field.name)
        else:
            value = model_field.value_from_object(self.instance)
        self.cleaned_data[name] = value
        self.show_stored.add(name)

    def mark_deleted_meanwhile(self):
        self.deleted_meanwhile = True
        pk = self.data.get(self.add_prefix(self.instance._meta.pk.name))
        key = f"{self.instance._meta.label_lower}:{pk}"
        loaded = self.loaded_version(key)
        if loaded is None:
            return
        self.version_report.append(
            ReportLine(
                ReportLine.DELETED,
                key=key,
                row=str(loaded.get("label") or capfirst(self.instance._meta.verbose_name)),
            )
        )


class VersionedFormSetMixin:
    """An inline formset whose rows are versioned forms; locks its rows for the save."""

    def get_queryset(self):
        if self.is_bound and not hasattr(self, "_queryset") and self.instance.pk is not None:
            fk = getattr(self, "fk", None)
            if fk is not None:
                lock_rows(self.model._default_manager.filter(**{fk.name: self.instance}))
        return super().get_queryset()

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if (
            self.is_bound
            and i < self.initial_form_count()
            and form.instance.pk is None
            and isinstance(form, VersionedFormMixin)
        ):
            # Submitted as an existing row, but not found: deleted since the page was
            # opened (or not this record's). Reported, never created again.
            form.mark_deleted_meanwhile()
        return form


def versioned_form(form_class, row_label=None):
    if issubclass(form_class, VersionedFormMixin):
        return form_class
    attrs = {}
    if row_label is not None:
        attrs["version_row_label"] = staticmethod(row_label)
    return type(form_class.__name__, (VersionedFormMixin, form_class), attrs)


def versioned_formset(formset_class, row_label=None):
    if issubclass(formset_class, VersionedFormSetMixin):
        return formset_class
    return type(
        formset_class.__name__,
        (VersionedFormSetMixin, formset_class),
        {"form": versioned_form(formset_class.form, row_label or default_row_label)},
    )


# What the page carries and what the editor is told -----------------------------------


def page_versions(form, formsets) -> dict:
    """The hidden input's content: the versions of the page's record and inline rows."""
    versions = {}
    all_forms = [form, *(f for formset in formsets for f in formset.initial_forms)]
    for each in all_forms:
        version = getattr(each, "stored_version", None)
        if version is not None and not getattr(each, "deleted_meanwhile", False):
            versions[version_key(each.instance)] = version
    return versions


def page_report(form, formsets) -> list[ReportLine]:
    lines = list(getattr(form, "version_report", []))
    for formset in formsets:
        for each in formset.forms:
            lines += getattr(each, "version_report", [])
    return lines
