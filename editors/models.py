"""Who may edit what: each staff user's editing scope."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EditorProfile(models.Model):
    class Role(models.TextChoices):
        NATIONAL = "national", _("national administrator")
        TERRITORIAL = "territorial", _("territorial editor")
        COORDINATOR = "coordinator", _("pole coordinator")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="editor_profile",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    regions = models.ManyToManyField(
        "territories.Region", blank=True, related_name="+", verbose_name=_("régions")
    )
    departements = models.ManyToManyField(
        "territories.Departement", blank=True, related_name="+", verbose_name=_("départements")
    )
    networks = models.ManyToManyField(
        "poles.Network", blank=True, related_name="+", verbose_name=_("networks")
    )
    poles = models.ManyToManyField(
        "poles.Pole", blank=True, related_name="editor_profiles", verbose_name=_("poles")
    )

    class Meta:
        verbose_name = _("editor profile")
        verbose_name_plural = _("editor profiles")

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"

    @property
    def is_national(self) -> bool:
        return self.role == self.Role.NATIONAL


class APIToken(models.Model):
    """A staff user's personal token for the JSON API's writes (docs/api.md).

    Only a SHA-256 digest of the token is stored: the token itself is shown once, when it
    is created, and cannot be read back (a token is 256 random bits, so an unsalted digest
    is enough: nothing to guess, and a lookup by digest stays one indexed query). A token
    acts with its user's scope, never more, and stops working when it expires, is revoked,
    or its user leaves the staff.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “CRM sync of the CRESS”."),
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_digest = models.CharField(
        _("key digest (SHA-256)"), max_length=64, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="apitoken_expires_after_creation",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
