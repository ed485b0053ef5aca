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
