from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A personal token: its owner acts through the API with the rights they have in
    the admin (their editor scope), no more. Only a digest of the secret is stored;
    the token itself is shown once, when it is created (api.services.create_token)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. “import script”.")
    )
    # The token's public part (`ptce_<prefix>_<secret>`): finds the row, and tells the
    # owner which token a list entry is.
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    # SHA-256 of the whole token (a random secret of 256 bits needs no slow hash).
    digest = models.CharField(_("digest"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(
        _("expires on"), null=True, blank=True, help_text=_("Empty: until it is revoked.")
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} (ptce_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def clean(self):
        if self.user_id and not self.user.is_staff:
            raise ValidationError(_("Only staff members (editors) can hold an API token."))
        if self.expires_at is not None and self.expires_at <= timezone.now() and not self.pk:
            raise ValidationError({"expires_at": _("Choose a date in the future.")})
