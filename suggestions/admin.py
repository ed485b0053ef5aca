"""The moderation queue: each editor sees the suggestions of their scope
(suggestions.selectors), compares proposed and current values side by side, and
accepts all or some of them (suggestions.services) or rejects with a reason."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from editors import scopes

from . import notifications, proposals, selectors, services
from .models import Suggestion

# The admin's home shows the moderation figures above the list of models.
admin.site.index_template = "suggestions/admin/index.html"


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "subject", "state", "created_at", "decided_at"]
    list_display_links = ["number", "subject"]
    list_filter = ["state", "kind"]
    list_select_related = ["pole"]
    search_fields = ["pole__name", "location_text"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    actions = None

    @admin.display(description=gettext_lazy("number"), ordering="pk")
    def number(self, obj):
        return f"#{obj.pk}"

    @admin.display(description=gettext_lazy("about"))
    def subject(self, obj):
        return obj.subject

    # Scope and permissions: the editor's scope, not Django's model permissions,
    # decides (an editor moderates what they may edit).

    def get_queryset(self, request):
        return selectors.visible_suggestions(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        return selectors.can_moderate(request.user)

    def has_view_permission(self, request, obj=None):
        return selectors.can_moderate(request.user) and (
            obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Spam may be deleted by national administrators; the rest stays as a record.
        return scopes.is_national(request.user)

    def _scoped_object(self, request, object_id):
        try:
            pk = int(unquote(object_id))
        except (TypeError, ValueError):
            raise Http404 from None
        obj = (
            self.get_queryset(request)
            .select_related("pole__seat_commune", "commune", "departement", "region")
            .filter(pk=pk)
            .first()
        )
        if obj is None:
            # Out of scope is invisible, as for the directory's records.
            raise Http404(_("No such suggestion in your moderation scope."))
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not selectors.can_moderate(request.user):
            raise PermissionDenied
        suggestion = self._scoped_object(request, object_id)
        errors = []
        if request.method == "POST":
            if not suggestion.is_pending:
                errors.append(_("This suggestion has already been decided."))
            else:
                try:
                    decided = self._decide(request, suggestion)
                except ValidationError as error:
                    errors.extend(error.messages)
                else:
                    return decided
        pole = suggestion.pole
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "title": str(suggestion),
            "subtitle": suggestion.subject,
            "suggestion": suggestion,
            "rows": proposals.rows(suggestion, pole),
            "errors": errors,
            "lock_field": services.POLE_VERSION_FIELD,
            "lock_value": services.pole_version(pole) if pole else "",
            "pole_admin_url": (
                reverse("admin:poles_pole_change", args=[pole.pk])
                if pole and scopes.can_edit_pole(request.user, pole)
                else ""
            ),
            "created_pole_admin_url": (
                reverse("admin:poles_pole_change", args=[suggestion.created_pole_id])
                if suggestion.created_pole_id
                else ""
            ),
            "posted_reason": request.POST.get("reason", ""),
            "has_view_permission": True,
            "has_change_permission": True,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "suggestions/admin/moderate.html", context)

    def _decide(self, request, suggestion):
        decision = request.POST.get("decision")
        if decision == "accept":
            suggestion = services.accept_suggestion(
                suggestion=suggestion,
                user=request.user,
                units=request.POST.getlist("units"),
                loaded_token=request.POST.get(services.POLE_VERSION_FIELD),
                publish=request.POST.get("publish") == "on",
            )
            messages.success(
                request,
                _("Suggestion #%(number)s accepted: the chosen fields were applied.")
                % {"number": suggestion.pk},
            )
        elif decision == "reject":
            suggestion = services.reject_suggestion(
                suggestion=suggestion, user=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(
                request, _("Suggestion #%(number)s rejected.") % {"number": suggestion.pk}
            )
        else:
            raise ValidationError(_("Choose to accept or to reject the suggestion."))
        notifications.send_decision(
            suggestion,
            follow_url=request.build_absolute_uri(suggestion.get_follow_url()),
        )
        return HttpResponseRedirect(
            reverse("admin:suggestions_suggestion_change", args=[suggestion.pk])
        )
