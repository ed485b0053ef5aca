"""The pole's governing body: colleges (for a SCIC) and cooperators."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from poles.models.child import PoleChild

from .querysets import CooperatorQuerySet

SCIC_COLLEGE_MIN_WEIGHT = Decimal("10")
SCIC_COLLEGE_MAX_WEIGHT = Decimal("50")


class College(PoleChild, models.Model):
    """A college of associates with its weight in votes (in percent)."""

    pole = models.ForeignKey(
        "poles.Pole", on_delete=models.CASCADE, related_name="colleges", verbose_name=_("pole")
    )
    name = models.CharField(_("name"), max_length=150)
    vote_weight = models.DecimalField(
        _("vote weight (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("college")
        verbose_name_plural = _("colleges")
        ordering = ["pole", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pole", "name"],
                name="college_unique_name_per_pole",
                violation_error_message=_("This pole already has a college with this name."),
            ),
            models.CheckConstraint(
                condition=Q(vote_weight__gte=0, vote_weight__lte=100),
                name="college_weight_percent",
                violation_error_message=_("A vote weight is a percentage between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.vote_weight:g} %)"

    def clean(self):
        # Each SCIC college weighs between 10 % and 50 % (Code of cooperatives,
        # art. 19 octies); the 100 % total is checked across the pole's colleges.
        if (
            self.pole_id
            and self.vote_weight is not None
            and self.pole.is_scic
            and not SCIC_COLLEGE_MIN_WEIGHT <= self.vote_weight <= SCIC_COLLEGE_MAX_WEIGHT
        ):
            raise ValidationError(
                {
                    "vote_weight": ValidationError(
                        _(
                            "In a SCIC each college weighs between %(min)s %% and %(max)s %% "
                            "of the votes."
                        ),
                        code="scic_college_weight",
                        params={"min": SCIC_COLLEGE_MIN_WEIGHT, "max": SCIC_COLLEGE_MAX_WEIGHT},
                    )
                }
            )


def validate_college_weights(pole, weights: list[Decimal]) -> None:
    """The weights of a pole's colleges, taken together, must add up to 100 %."""
    if not weights:
        return
    total = sum(weights, Decimal(0))
    if total != Decimal(100):
        raise ValidationError(
            _("The colleges' vote weights add up to %(total)s %% instead of 100 %%."),
            code="college_weights_total",
            params={"total": f"{total:g}"},
        )


class Cooperator(PoleChild, models.Model):
    """An associate of the pole's governing body: a person or an organisation."""

    class Kind(models.TextChoices):
        PERSON = "person", _("natural person")
        ORGANISATION = "organisation", _("organisation")

    pole = models.ForeignKey(
        "poles.Pole", on_delete=models.CASCADE, related_name="cooperators", verbose_name=_("pole")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(
        _("name"), max_length=255, help_text=_("A person's name is private unless they consent.")
    )
    structure = models.ForeignKey(
        "poles.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cooperator_seats",
        verbose_name=_("member structure"),
        help_text=_("When the organisation is also recorded as a structure."),
    )
    college = models.ForeignKey(
        College,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cooperators",
        verbose_name=_("college"),
    )
    shares = models.PositiveIntegerField(_("shares held"), null=True, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    is_board_member = models.BooleanField(_("board member"), default=False)

    # Private: never shown publicly nor exported (a cooperator may be a natural
    # person), only to editors whose scope covers the pole.
    email = models.EmailField(_("e-mail (private)"), blank=True)
    phone = models.CharField(_("phone (private)"), max_length=30, blank=True)
    postal_address = models.CharField(_("postal address (private)"), max_length=255, blank=True)
    consents_to_publication = models.BooleanField(
        _("consents to be named publicly"),
        default=False,
        help_text=_("Only for natural persons: their name appears on the pole's page."),
    )
    consent_recorded_on = models.DateField(_("consent recorded on"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)

    is_synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        editable=False,
        db_index=True,
        help_text=_("Made up by generate_synthetic for benchmarks: not a real record."),
    )
    objects = CooperatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("cooperator")
        verbose_name_plural = _("cooperators")
        ordering = ["pole", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(joined_on__isnull=True)
                | Q(left_on__isnull=True)
                | Q(left_on__gte=F("joined_on")),
                name="cooperator_left_after_joined",
                violation_error_message=_("The leaving date cannot precede the joining date."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["person", "organisation"]),
                name="cooperator_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["pole", "kind"], name="cooperator_pole_kind_idx")]

    def __str__(self):
        return self.public_name or str(_("Cooperator (name not public)"))

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON

    @property
    def public_name(self) -> str | None:
        """The name a public page may show, or None for a person without consent."""
        if self.is_person and not self.consents_to_publication:
            return None
        return self.name

    def clean(self):
        errors = {}
        if self.joined_on and self.left_on and self.left_on < self.joined_on:
            errors["left_on"] = _("The leaving date cannot precede the joining date.")
        if self.college_id and self.pole_id and self.college.pole_id != self.pole_id:
            errors["college"] = _("Choose a college of this pole.")
        if self.consents_to_publication and not self.is_person:
            self.consents_to_publication = False
        if self.consents_to_publication and not self.consent_recorded_on:
            errors["consent_recorded_on"] = _("Record the date the person gave consent.")
        if errors:
            raise ValidationError(errors)
