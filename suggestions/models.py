"""Suggestions sent by the public: a correction of a pole, or a pole to add.

A suggestion changes nothing by itself. It waits in the moderation queue of the
editors whose scope covers it (suggestions.selectors) until one of them accepts all
or some of its fields (applied by suggestions.services as a revision of the pole's
history) or rejects it with a reason. The contributor follows it through an
unguessable link; their e-mail address is erased by `purge_suggestions` once the
retention period after the decision is over.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    # 32 URL-safe characters (192 random bits): the follow link cannot be guessed.
    return secrets.token_urlsafe(24)


class SuggestionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=Suggestion.State.RECEIVED)

    def decided(self):
        return self.exclude(state=Suggestion.State.RECEIVED)


class Suggestion(models.Model):
    class Kind(models.TextChoices):
        CORRECTION = "correction", _("correction of a pole")
        NEW_POLE = "nouveau-pole", _("new pole")

    class State(models.TextChoices):
        RECEIVED = "recue", _("received")
        ACCEPTED = "acceptee", _("accepted")
        REJECTED = "refusee", _("rejected")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    pole = models.ForeignKey(
        "poles.Pole",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("pole"),
    )
    # The proposed values by field name (see suggestions.fields), as the form cleaned
    # them: strings, integers, or None. Only the fields the contributor filled in.
    proposed = models.JSONField(_("proposed values"), default=dict, blank=True)
    # Where a new pole is, as typed, and what it was resolved to (one of the three).
    location_text = models.CharField(_("location as given"), max_length=200, blank=True)
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune"),
    )
    departement = models.ForeignKey(
        "territories.Departement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("département"),
    )
    region = models.ForeignKey(
        "territories.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("région"),
    )
    comment = models.TextField(_("comment"), blank=True)
    source = models.TextField(_("source or contact"), blank=True)
    # Never published; erased by `purge_suggestions` after the retention period.
    contributor_email = models.EmailField(_("contributor's e-mail"), blank=True)
    # The language the contributor wrote in: their e-mails are sent in it.
    language = models.CharField(_("language"), max_length=8, blank=True)
    token = models.CharField(_("follow token"), max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    rejection_reason = models.TextField(_("reason for the rejection"), blank=True)
    applied_fields = models.JSONField(_("fields applied"), default=list, blank=True)
    created_pole = models.ForeignKey(
        "poles.Pole",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pole created"),
    )
    email_purged_at = models.DateTimeField(_("e-mail erased"), null=True, blank=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="recue", decided_at__isnull=True)
                | (~Q(state="recue") & Q(decided_at__isnull=False)),
                name="suggestion_decided_when_not_received",
            ),
            models.CheckConstraint(
                condition=~Q(state="refusee") | ~Q(rejection_reason=""),
                name="suggestion_rejection_has_reason",
                violation_error_message=_("Give the reason for the rejection."),
            ),
        ]

    def __str__(self):
        return _("Suggestion #%(number)s") % {"number": self.pk}

    @property
    def subject(self) -> str:
        """What the suggestion is about: the pole's name, or the proposed one."""
        if self.kind == self.Kind.CORRECTION:
            return self.pole.name if self.pole_id else str(_("deleted pole"))
        return str(self.proposed.get("name", ""))

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.RECEIVED

    @property
    def location(self):
        return self.commune or self.departement or self.region

    def get_follow_url(self):
        return reverse("suggestions:follow", kwargs={"token": self.token})
