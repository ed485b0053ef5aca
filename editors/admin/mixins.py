"""Admin behaviour shared by every model staff edit: scope, history, locking.

- `ScopedAdminMixin`: an editor sees and edits only the records in their scope
  (editors.scopes). Querysets, autocomplete, related lookups, choices of foreign
  keys and object URLs all go through `get_queryset` / `scope_queryset`, so out
  of scope means invisible: a direct URL to another pole's page is a 404.
- `ScopedVersionAdmin`: the above plus django-reversion's history, revert and
  recover, scoped the same way, with a field-by-field diff of each version,
  a snapshot before each deletion (so a deletion can be undone), and optimistic
  locking of the change form (no lost update).
- `ScopedInlineMixin`: scoped inlines and choices.
- `NationalEditMixin`: reference lists, read-only for everyone but national
  administrators, yet visible to all staff (autocomplete needs view permission).
"""

import json

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion import add_to_revision, create_revision, set_comment, set_user
from reversion.admin import VersionAdmin
from reversion.models import Version

from editors import history, scopes
from editors.admin import rows
from editors.admin.locking import OptimisticLockAdminMixin
from editors.history import compare, current_field_dict, register_models
from members.models import College
from poles import derived
from poles.forms import EuroAmountField, FrenchDecimalField
from poles.models import Pole, Structure

# Registered before any VersionAdmin is instantiated (admin modules import this
# one), so that auto-registration from inlines never decides what is versioned.
register_models()

# Name of the hidden input carrying the digest of the revert plan the editor confirms.
REVERT_PLAN_FIELD = "_revert_plan"


def scoped_choices(user, db_field):
    """The choices an editor may pick for a foreign key or many-to-many, or None."""

    related = db_field.related_model
    if related is Pole:
        return scopes.editable_poles(user)
    if related is Structure:
        return scopes.attachable_structures(user)
    if related is College:
        return scopes.editable_colleges(user)
    return None


class FiguresFieldsMixin:
    """ETP and turnover as French editors type them: "0,75" ETP, "4 400 000 €"
    (poles.forms). Only these: the seat's coordinates stay dotted numbers, which the
    seat map reads and writes."""

    figure_form_fields = {"etp": FrenchDecimalField, "turnover": EuroAmountField}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        form_class = self.figure_form_fields.get(db_field.name)
        if form_class is not None and not db_field.is_relation:
            # Not through the admin's defaults, whose number widgets (type=number)
            # would refuse "0,75" and "4 400 000" in the browser.
            kwargs.pop("widget", None)
            return db_field.formfield(form_class=form_class, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ScopedChoicesMixin(FiguresFieldsMixin):
    """Limit foreign-key and many-to-many choices to the editor's scope.

    Autocomplete widgets fetch their options from the target model's admin (which
    is scoped); this also makes the form refuse a crafted POST naming a record out
    of scope ("Select a valid choice").
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            limited = scoped_choices(request.user, db_field)
            if limited is not None:
                kwargs["queryset"] = limited
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            limited = scoped_choices(request.user, db_field)
            if limited is not None:
                kwargs["queryset"] = limited
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class LeanChangeList(ChangeList):
    """A changelist that reads, for the rows of its page, none of the columns named by
    the admin's `changelist_defer` (long texts, search vectors: kilobytes per row that a
    list never shows). Only the page's rows: actions and exports get the full rows
    from `get_queryset()`, which is left as it is."""

    def get_results(self, request):
        deferred = getattr(self.model_admin, "changelist_defer", ())
        if deferred:
            self.queryset = self.queryset.defer(*deferred)
        super().get_results(request)


class DerivedDataBatchMixin:
    """Refresh the poles' derived data once per request, at the end of the admin view's
    transaction: a pole saved with twenty inline rows, or fifty rows changed by an
    action, is re-indexed and stamped once (poles/derived.py)."""

    def _batched(self, view, request, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(self.model)), derived.batch():
            return view(request, *args, **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        return self._batched(super().changeform_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            # Reading the list writes nothing: no transaction (two round trips less).
            return super().changelist_view(request, *args, **kwargs)
        return self._batched(super().changelist_view, request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._batched(super().delete_view, request, *args, **kwargs)


class AddTextInlineAdminFormSet(helpers.InlineAdminFormSet):
    """An inline whose "Add another" link says what it adds (the inline's `add_text`):
    Django's "Add another %(verbose_name)s" reads "Ajouter un objet Chiffres clés d'une
    année supplémentaire" in French."""

    def inline_formset_data(self):
        data = json.loads(super().inline_formset_data())
        data["options"]["addText"] = str(self.opts.add_text)
        return json.dumps(data)


class InlineAddTextMixin:
    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_admin_formsets = super().get_inline_formsets(
            request, formsets, inline_instances, obj
        )
        for inline_admin_formset in inline_admin_formsets:
            if getattr(inline_admin_formset.opts, "add_text", None):
                # Built by Django's admin: only its link text changes.
                inline_admin_formset.__class__ = AddTextInlineAdminFormSet
        return inline_admin_formsets


class ScopedAdminMixin(InlineAddTextMixin, DerivedDataBatchMixin, ScopedChoicesMixin):
    """Scope a ModelAdmin to the editor's poles.

    Subclasses say how their model reaches a pole (`scope_pole_field`) or override
    `scope_queryset` for anything else.
    """

    scope_pole_field = "pole"
    # Extra form behaviour (mixins) combined with the admin's form class per request.
    form_mixins: tuple = ()
    # One COUNT per changelist page (the filtered one), not a second one of every
    # record for "(N total)": on tables of 100,000 rows each COUNT is a full scan.
    show_full_result_count = False
    # Rendering a changelist row costs more than reading it: 50 rows a page (Django's
    # default is 100) keep every list fast.
    list_per_page = 50
    # Columns the changelist's rows never show (see LeanChangeList).
    changelist_defer: tuple = ()
    # Django's changelist, its rows made once per column (editors.admin.rows); the
    # spreadsheet admins' import-export template extends it.
    change_list_template = "editors/admin/change_list.html"

    def get_changelist(self, request, **kwargs):
        return LeanChangeList

    def scope_queryset(self, request, queryset):
        return scopes.scope_by_pole(request.user, queryset, self.scope_pole_field)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scopes.is_national(request.user):
            return queryset
        return self.scope_queryset(request, queryset)

    def action_checkbox(self, obj):
        """The changelist's row checkbox, the same markup as Django's, without rendering
        a CheckboxInput widget through the template engine for each row (half the cost
        of a changelist row); editors.admin.rows writes it with its label translated
        once per page."""
        return rows.action_checkbox(obj, rows.checkbox_label_format())

    action_checkbox.writes_action_checkbox = True

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and not scopes.is_national(request.user):
            # Out of scope is invisible: a 404, rather than the admin's "perhaps it
            # was deleted?" redirect, which would tell the record exists.
            raise Http404(_("No such record in your editing scope."))
        return obj

    def is_in_scope(self, request, obj) -> bool:
        if obj is None or scopes.is_national(request.user):
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or self.is_in_scope(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or self.is_in_scope(request, obj)
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        mixins = tuple(self.form_mixins)
        if not mixins:
            return form
        # A subclass per request: the mixins read the editor from the class.
        return type(form.__name__, (*mixins, form), {"editor": request.user})


class ScopedInlineMixin(ScopedChoicesMixin):
    """Scope an inline's rows and choices: a shared structure's page lists only the
    memberships of the editor's own poles, never the other pole's."""

    scope_pole_field = "pole"
    # Long texts (a row's source) in a two-line box, not the admin's ten-line one, which
    # made each row of a table 170 px high.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 28})},
    }

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.scope_pole_field is None:
            return queryset
        return scopes.scope_by_pole(request.user, queryset, self.scope_pole_field)


class NationalEditMixin:
    """Reference data: every staff member reads it, national administrators edit it."""

    def has_view_permission(self, request, obj=None):
        return scopes.is_staff_member(request.user)

    def has_module_permission(self, request):
        return scopes.is_staff_member(request.user)

    def has_add_permission(self, request):
        return scopes.is_national(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return scopes.is_national(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return scopes.is_national(request.user) and super().has_delete_permission(request, obj)


class ScopedVersionAdmin(ScopedAdminMixin, OptimisticLockAdminMixin, VersionAdmin):
    """Scoped admin with full history (django-reversion), diffs and optimistic locking
    (of the record and of each inline row: see editors.locking)."""

    object_history_template = "editors/admin/object_history.html"
    change_form_template = "editors/admin/change_form.html"
    revision_form_template = "editors/admin/revision_form.html"
    recover_form_template = "editors/admin/recover_form.html"
    history_latest_first = True

    # Scope of history --------------------------------------------------------

    def version_in_scope(self, request, version) -> bool:
        """Was this (possibly deleted) record in the editor's scope, by its stored values?"""
        if scopes.is_national(request.user):
            return True
        pole_id = version.field_dict.get(f"{self.scope_pole_field}_id")
        return scopes.editable_poles(request.user).filter(pk=pole_id).exists()

    def _check_version(self, request, version):
        if version.content_type_id != ContentType.objects.get_for_model(self.model).pk:
            raise Http404
        if not self.version_in_scope(request, version):
            raise Http404(_("No such record in your editing scope."))

    def history_view(self, request, object_id, extra_context=None):
        # The object must be in scope (get_object raises 404 otherwise) before any
        # of its versions is listed.
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        opts = self.model._meta
        versions = self._reversion_order_version_queryset(
            request,
            Version.objects.get_for_object(obj).select_related("revision", "revision__user"),
        )
        action_list = [
            {
                "revision": version.revision,
                "url": reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revision",
                    args=(quote(version.object_id), version.id),
                ),
                "diff_url": reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_version_diff",
                    args=(quote(version.object_id), version.id),
                ),
            }
            for version in versions
        ]
        context = {"action_list": action_list, **(extra_context or {})}
        # Skip VersionAdmin.history_view (it lists versions before checking the
        # object): the admin's own view renders our template with our list.
        return super(VersionAdmin, self).history_view(request, object_id, context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))  # 404 out of scope
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(
            Version.objects.get_for_object(obj), pk=version_id
        )  # a version of this very object
        self._check_version(request, version)
        return super().revision_view(request, object_id, version_id, extra_context)

    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        # django-reversion reverts the version's whole revision; restrict it to this
        # record (and, for a pole, its own inlines): see editors.history. What it will
        # add, change and delete is shown on the page, and the confirmation carries a
        # digest of that plan: a POST for another plan (records changed since the page
        # was shown, or no plan at all) writes nothing and shows the page again.
        def pole_allowed(pole_id) -> bool:
            if scopes.is_national(request.user):
                return True
            return scopes.editable_poles(request.user).filter(pk=pole_id).exists()

        plan = history.plan_revert(history.versions_to_revert(version, pole_allowed=pole_allowed))
        if request.method == "POST" and request.POST.get(REVERT_PLAN_FIELD) != plan.token:
            messages.warning(
                request,
                _(
                    "Nothing was restored: what this version would add, change or delete "
                    "has changed since the page was shown (or was not confirmed). Check the "
                    "list below, then confirm again."
                ),
            )
            return redirect(request.get_full_path())
        revision = version.revision
        revision.revert = lambda delete=False: history.apply_plan(plan)
        context = {**(extra_context or {}), "revert_plan": plan.as_context(REVERT_PLAN_FIELD)}
        response = super()._reversion_revisionform_view(request, version, template_name, context)
        if request.method == "POST" and response.status_code == 302 and plan.skipped:
            messages.warning(
                request,
                _("These records could not be restored: %(list)s.")
                % {
                    "list": "; ".join(
                        f"{item['label']} ({item['reason']})" for item in plan.skipped
                    )
                },
            )
        return response

    def recover_view(self, request, version_id, extra_context=None):
        version = get_object_or_404(Version, pk=version_id)
        self._check_version(request, version)
        # Recovery is for deleted records only. A record that exists is reverted from
        # its history, where its current row is checked against the editor's scope too
        # (an old version must not pull a record back from another scope).
        current = self.model._base_manager.filter(pk=version.object_id).first()
        if current is not None:
            if not self.is_in_scope(request, current):
                raise Http404(_("No such record in your editing scope."))
            opts = self.model._meta
            messages.error(
                request,
                _(
                    "“%(name)s” is not deleted: to bring back an earlier version, revert it "
                    "from its history."
                )
                % {"name": force_str(current)},
            )
            return redirect(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_history",
                quote(current.pk),
            )
        # Reverting runs in a transaction; the change form then loads the record
        # through the scoped queryset, so a record that would come back out of
        # scope is a 404 and the transaction is rolled back.
        return super().recover_view(request, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not self.has_change_permission(request) or not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        deleted = self._reversion_order_version_queryset(
            request, Version.objects.get_deleted(self.model).select_related("revision")
        )
        deleted = [version for version in deleted if self.version_in_scope(request, version)]
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "app_label": opts.app_label,
            "module_name": capfirst(opts.verbose_name),
            "title": _("Recover deleted %(name)s") % {"name": force_str(opts.verbose_name_plural)},
            "deleted": deleted,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            self.recover_list_template or self._reversion_get_template_list("recover_list.html"),
            context,
        )

    def version_diff_view(self, request, object_id, version_id):
        """What a version changed (against the one before) and how it differs from now."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        versions = Version.objects.get_for_object(obj).select_related("revision__user")
        version = get_object_or_404(versions, pk=version_id)
        previous = versions.filter(pk__lt=version.pk).order_by("-pk").first()
        rows = compare(
            self.model,
            [
                previous.field_dict if previous else None,
                version.field_dict,
                current_field_dict(obj),
            ],
        )
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "app_label": opts.app_label,
            "object": obj,
            "version": version,
            "previous": previous,
            "rows": rows,
            "changed_rows": [row for row in rows if row["changed"]],
            "title": _("Changes to %(name)s") % {"name": force_str(obj)},
            "history_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_history",
                args=(quote(obj.pk),),
            ),
            "revert_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revision",
                args=(quote(obj.pk), version.pk),
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "editors/admin/version_diff.html", context)

    def get_urls(self):
        opts = self.model._meta
        extra = [
            path(
                "<path:object_id>/history/<int:version_id>/diff/",
                self.admin_site.admin_view(self.version_diff_view),
                name=f"{opts.app_label}_{opts.model_name}_version_diff",
            )
        ]
        return extra + super().get_urls()

    # Deletion: a snapshot first, so that "recover deleted" can undo it ------------

    def deletion_companions(self, obj):
        """Records deleted along with obj that its registration does not follow."""
        return []

    def _snapshot_before_deletion(self, request, objects):
        with create_revision():
            set_user(request.user)
            set_comment(_("State before deletion."))
            for obj in objects:
                add_to_revision(obj)
                for companion in self.deletion_companions(obj):
                    add_to_revision(companion)

    def delete_model(self, request, obj):
        self._snapshot_before_deletion(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._snapshot_before_deletion(request, list(queryset))
        super().delete_queryset(request, queryset)

    def changelist_view(self, request, extra_context=None):
        # VersionAdmin wraps the changelist in a transaction and a revision, for the
        # writes of list_editable and actions. Not needed:
        # - to read the list (GET): nothing to record, two round trips saved;
        # - to delete: that revision is saved at the end, when the deleted records
        #   are gone and their snapshot would be dropped; the deletion takes its own
        #   snapshot revision instead.
        if request.method in ("GET", "HEAD") or (
            request.method == "POST" and request.POST.get("action") == "delete_selected"
        ):
            context = {"has_change_permission": self.has_change_permission(request)}
            context.update(extra_context or {})
            return super(VersionAdmin, self).changelist_view(request, context)
        return super().changelist_view(request, extra_context)

    def log_change_for_each(self, request, objects, message):
        """One LogEntry per object for a bulk action (and the revision's comment)."""
        for obj in objects:
            self.log_change(request, obj, message)

    def message_done(self, request, text):
        messages.success(request, text)
