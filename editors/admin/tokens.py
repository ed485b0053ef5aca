"""Personal API tokens in the admin: each staff member creates and revokes their own.

A token is shown once, on the page that answers its creation (rendered there, never put
in a message, a cookie or the session); afterwards only its prefix is visible. National
administrators see every token and may revoke any; other staff see only theirs.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from editors import scopes, tokens
from editors.models import APIToken


class APITokenCreationForm(forms.ModelForm):
    lifetime_days = forms.TypedChoiceField(
        label=_("valid for"),
        coerce=int,
        choices=[
            (days, _("%(days)s days") % {"days": days}) for days in tokens.LIFETIME_CHOICES_DAYS
        ],
        initial=tokens.DEFAULT_LIFETIME_DAYS,
        help_text=_("The token stops working after this; create a new one then."),
    )

    class Meta:
        model = APIToken
        fields = ["name"]


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix_display",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "status_display",
    ]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke_tokens"]
    readonly_fields = [
        "name",
        "prefix_display",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "status_display",
    ]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (obj is None or self.owns(request, obj))

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        # Nothing of a token is edited after its creation: the change view only shows it.
        return False

    def has_delete_permission(self, request, obj=None):
        # Revoked, never deleted: the history of who could write stays readable.
        return False

    def owns(self, request, obj) -> bool:
        return scopes.is_national(request.user) or obj.user_id == request.user.pk

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scopes.is_national(request.user):
            return queryset
        return queryset.filter(user=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = APITokenCreationForm
            kwargs["fields"] = ["name", "lifetime_days"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "lifetime_days"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        record, token = tokens.issue_token(
            user=request.user,
            name=form.cleaned_data["name"],
            lifetime_days=form.cleaned_data["lifetime_days"],
        )
        form.instance = record
        request.api_token_shown_once = token

    def save_related(self, request, form, formsets, change):
        """No related rows; the token was saved by the service."""

    def log_addition(self, request, obj, message):
        return super().log_addition(request, obj, [{"added": {}}])

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Your new API token"),
            "record": obj,
            "token": request.api_token_shown_once,
        }
        response = TemplateResponse(request, "editors/admin/api_token_created.html", context)
        # The page holds a secret: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response

    @admin.display(description=_("prefix"))
    def prefix_display(self, obj):
        return f"{tokens.TOKEN_PREFIX}{obj.prefix}…"

    @admin.display(description=_("status"))
    def status_display(self, obj):
        return {
            "active": _("active"),
            "expired": _("expired"),
            "revoked": _("revoked"),
        }[tokens.status(obj)]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset):
        count = tokens.revoke(queryset)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
