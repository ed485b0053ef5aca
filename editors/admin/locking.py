"""The admin side of the optimistic locking in editors.locking.

`OptimisticLockAdminMixin` goes on every ModelAdmin that edits records: the change
form and each inline row get versioned forms, the page carries their versions, and
the editor is told what somebody else changed meanwhile: before saving again when
the same field was changed by both (refused), after saving when it could be merged.
"""

import contextlib
import json

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from reversion.errors import RegistrationError
from reversion.models import Version

from editors.locking import (
    LOCK_FIELD,
    ReportLine,
    lock_rows,
    page_report,
    page_versions,
    versioned_form,
    versioned_formset,
)

# Inside the hidden input's JSON: when the page was rendered (not a record's key).
LOADED_AT = "_loaded_at"


class OptimisticLockAdminMixin:
    change_form_template = "editors/admin/change_form.html"
    # The template the locking template extends (an admin with its own change form,
    # such as the user admin, names it here).
    base_change_form_template = "admin/change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        # By keyword: the user admin's get_form takes no positional `change`.
        form = super().get_form(request, obj, change=change, **kwargs)
        return versioned_form(form) if change else form

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if obj is not None:
                formset = versioned_formset(formset, getattr(inline, "version_row_label", None))
            yield formset, inline

    def get_object(self, request, object_id, from_field=None):
        if request.method == "POST" and from_field is None:
            # Not a key: get_object answers as usual.
            with contextlib.suppress(ValidationError, ValueError, TypeError, OverflowError):
                lock_rows(self.model._default_manager.filter(pk=object_id))
        return super().get_object(request, object_id, from_field)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):  # noqa: PLR0913 - Django's signature
        context["locking_base_template"] = self.base_change_form_template
        adminform = context.get("adminform")
        if change and obj is not None and adminform is not None:
            formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
            versions = page_versions(adminform.form, formsets)
            # The render time too: to name who changed a record only for a change made
            # after the editor opened the page.
            versions[LOADED_AT] = timezone.now().isoformat()
            context["optimistic_lock"] = {
                "name": LOCK_FIELD,
                "value": json.dumps(versions, separators=(",", ":"), ensure_ascii=False),
            }
            if request.method == "POST":
                self.report_concurrent_changes(request, adminform.form, formsets, saved=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            self.report_concurrent_changes(request, form, formsets, saved=True)

    # Messages ---------------------------------------------------------------------------

    def _who(self, request, line, loaded_at, cache):
        if line.key in cache:
            return cache[line.key]

        who = _("another user")
        label, _sep, pk = line.key.partition(":")
        if line.kind != ReportLine.DELETED and loaded_at is not None:
            try:
                model = apps.get_model(label)
                version = (
                    Version.objects.get_for_object_reference(model, pk)
                    .select_related("revision__user")
                    .order_by("-revision__date_created", "-pk")
                    .first()
                )
            except (LookupError, ValueError, RegistrationError):
                version = None  # not a model with history: "another user"
            if (
                version is not None
                and version.revision.user is not None
                and version.revision.date_created > loaded_at
            ):
                user = version.revision.user
                if user.pk == request.user.pk:
                    who = _("you, in another window")
                else:
                    who = user.get_full_name() or user.get_username()
        cache[line.key] = who
        return who

    def report_concurrent_changes(self, request, form, formsets, *, saved):
        lines = page_report(form, formsets)
        if not lines or getattr(request, "ptce_lock_reported", False):
            return
        request.ptce_lock_reported = True
        loaded_at = None
        if form.is_bound:
            versions = form.loaded_versions() if hasattr(form, "loaded_versions") else None
            raw = (versions or {}).get(LOADED_AT)
            loaded_at = parse_datetime(raw) if isinstance(raw, str) else None
            if loaded_at is not None and timezone.is_naive(loaded_at):
                loaded_at = None
        cache = {}
        items = []
        for line in lines:
            who = self._who(request, line, loaded_at, cache)
            what = (
                _("%(row)s: %(field)s") % {"row": line.row, "field": line.field}
                if line.row and line.field
                else (line.field or line.row)
            )
            if line.kind == ReportLine.CONFLICT:
                text = _(
                    "%(what)s changed by %(user)s: now “%(theirs)s”, you entered “%(mine)s”."
                ) % {"what": what, "user": who, "theirs": line.theirs, "mine": line.mine}
            elif line.kind == ReportLine.MERGED:
                text = _("%(what)s changed by %(user)s: their value “%(theirs)s” is kept.") % {
                    "what": what,
                    "user": who,
                    "theirs": line.theirs,
                }
            else:
                text = _("%(what)s deleted by %(user)s: this row was not saved again.") % {
                    "what": what,
                    "user": who,
                }
            items.append((text,))
        conflicts = any(line.kind == ReportLine.CONFLICT for line in lines)
        if saved:
            level = messages.WARNING
            intro = _(
                "Your changes were saved. Another user had saved changes to this page after "
                "you opened it; theirs were kept too:"
            )
        elif conflicts:
            level = messages.ERROR
            intro = _(
                "Another user saved changes to this page after you opened it. Nothing was "
                "saved. Where you both changed the same field, both values are shown: keep "
                "the one you want, then save again. Their other changes are shown on the "
                "page and will be kept:"
            )
        else:
            level = messages.WARNING
            intro = _(
                "Another user saved changes to this page after you opened it. They are shown "
                "on the page and will be kept when you save:"
            )
        message = format_html(
            '{}<ul class="ptce-lock-report">{}</ul>',
            intro,
            format_html_join("", "<li>{}</li>", items),
        )
        messages.add_message(request, level, message)
