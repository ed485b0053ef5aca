from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from poles.fields import SiretField, WebAddressField

from .child import PoleChild
from .pole import year_in_range, year_validators


class RegistryState(models.TextChoices):
    """What the SIRENE registry last said of a structure's SIRET (the `registry` app
    asks it)."""

    ACTIVE = "active", _("active")
    CLOSED = "closed", _("establishment closed")
    NOT_FOUND = "not_found", _("not found in the registry")


# The fields a registry look-up can fill (the `registry` app maps them).
REGISTRY_FIELDS = ("name", "legal_form", "naf_code", "headcount_band", "commune", "is_ess")


class Structure(models.Model):
    """A member organisation: an ESS enterprise, a company, a local authority…"""

    RegistryState = RegistryState

    name = models.CharField(_("name"), max_length=255, db_index=True)
    siret = SiretField(
        _("SIRET"), blank=True, help_text=_("14 digits, when the structure has one.")
    )
    legal_form = models.ForeignKey(
        "poles.LegalForm",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
        verbose_name=_("legal form"),
    )
    approvals = models.ManyToManyField(
        "poles.Approval", blank=True, related_name="structures", verbose_name=_("approvals")
    )
    headcount_band = models.ForeignKey(
        "poles.HeadcountBand",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
        verbose_name=_("headcount band"),
    )
    etp = models.DecimalField(
        _("full-time equivalents (ETP)"),
        max_digits=10,
        # Two decimals: a three-quarter-time post is 0.75 ETP.
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    turnover = models.PositiveBigIntegerField(
        _("turnover (€)"),
        null=True,
        blank=True,
        help_text=_("In euros, without cents: 4400000 for €4.4M."),
    )
    figures_year = models.PositiveSmallIntegerField(
        _("year of the figures"),
        null=True,
        blank=True,
        validators=year_validators,
        help_text=_("Required when ETP or turnover is given."),
    )
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
        verbose_name=_("commune"),
    )
    website = WebAddressField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.TextField(_("source"), blank=True)
    naf_code = models.CharField(
        _("NAF code"),
        max_length=6,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9]{2}\.[0-9]{2}[A-Z]$",
                _("A NAF code reads like 88.99B: two digits, a dot, two digits, a letter."),
            )
        ],
        help_text=_("The main activity (APE code) in INSEE's NAF nomenclature, e.g. 88.99B."),
    )
    is_ess = models.BooleanField(
        _("social and solidarity economy"),
        null=True,
        blank=True,
        help_text=_("Part of the ESS, as the SIRENE registry says (ESS France and INSEE)."),
    )
    # What the SIRENE registry said, and when (the `registry` app writes these).
    registry_state = models.CharField(
        _("registry state"),
        max_length=10,
        choices=RegistryState.choices,
        blank=True,
        editable=False,
    )
    registry_closed_on = models.DateField(
        _("establishment closed on"), null=True, blank=True, editable=False
    )
    registry_checked_at = models.DateTimeField(
        _("checked in the registry at"), null=True, blank=True, editable=False
    )
    # The names of the fields whose value came from the registry (and was not changed
    # by hand since): the structure's page says which.
    registry_fields = models.JSONField(
        _("fields from the registry"), default=list, blank=True, editable=False
    )
    is_synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        editable=False,
        db_index=True,
        help_text=_("Made up by generate_synthetic for benchmarks: not a real record."),
    )
    # Who created it: while it belongs to no pole, only they (and national
    # administrators) can see and attach it (editors.scopes.attachable_structures).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        verbose_name = _("member structure")
        verbose_name_plural = _("member structures")
        ordering = ["name"]
        indexes = [
            # The observatory's structure indicators count the member structures by
            # legal form and headcount band: on PostgreSQL from this index alone (4 MB
            # against the table's 25 MB at 100,000 structures; observatory/facts.py).
            models.Index(
                fields=["id"],
                include=["legal_form", "headcount_band"],
                name="structure_profile_idx",
            ),
            # The staff dashboard's and the changelist's "establishment closed": a few
            # rows among all structures, read in name order.
            models.Index(
                fields=["name"],
                condition=Q(registry_state="closed"),
                name="structure_registry_closed_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="structure_unique_siret",
                violation_error_message=_("Another structure already has this SIRET number."),
            ),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__regex=r"^[0-9]{14}$"),
                name="structure_siret_14_digits",
                violation_error_message=_("A SIRET number has 14 digits."),
            ),
            models.CheckConstraint(
                condition=Q(etp__isnull=True) | Q(etp__gte=0),
                name="structure_etp_not_negative",
                violation_error_message=_("ETP cannot be negative."),
            ),
            models.CheckConstraint(
                condition=year_in_range("figures_year"),
                name="structure_figures_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(etp__isnull=True, turnover__isnull=True)
                | Q(figures_year__isnull=False),
                name="structure_figures_have_year",
                violation_error_message=_("Give the year of the ETP and turnover figures."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def siren(self) -> str:
        return self.siret[:9]

    def clean(self):
        if (self.etp is not None or self.turnover is not None) and not self.figures_year:
            raise ValidationError(
                {"figures_year": _("Give the year of the ETP and turnover figures.")}
            )
        if self.figures_year and self.figures_year > timezone.now().year:
            raise ValidationError({"figures_year": _("Figures cannot be for a future year.")})


class Membership(PoleChild, models.Model):
    """A structure's place in a pole, over the years."""

    class Role(models.TextChoices):
        FOUNDER = "founder", _("founder")
        ANIMATOR = "animator", _("animator")
        MEMBER = "member", _("member")
        PARTNER = "partner", _("partner")

    pole = models.ForeignKey(
        "poles.Pole", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("pole")
    )
    structure = models.ForeignKey(
        Structure,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("structure"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_year = models.PositiveSmallIntegerField(
        _("year joined"), null=True, blank=True, validators=year_validators
    )
    left_year = models.PositiveSmallIntegerField(
        _("year left"), null=True, blank=True, validators=year_validators
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["pole", "role", "structure__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pole"],
                condition=Q(role="animator", left_year__isnull=True),
                name="membership_one_current_animator",
                violation_error_message=_(
                    "This pole already has a current animator: give the other one a year left "
                    "first."
                ),
            ),
            models.UniqueConstraint(
                fields=["pole", "structure", "role"],
                condition=Q(left_year__isnull=True),
                name="membership_unique_current_role",
                violation_error_message=_("This structure already holds this role in this pole."),
            ),
            models.CheckConstraint(
                condition=year_in_range("joined_year") & year_in_range("left_year"),
                name="membership_years_in_range",
            ),
            models.CheckConstraint(
                condition=Q(joined_year__isnull=True)
                | Q(left_year__isnull=True)
                | Q(left_year__gte=F("joined_year")),
                name="membership_left_after_joined",
                violation_error_message=_("The year left cannot precede the year joined."),
            ),
        ]
        indexes = [models.Index(fields=["pole", "role"], name="membership_pole_role_idx")]

    ONE_CURRENT_ANIMATOR = "membership_one_current_animator"

    def __str__(self):
        return f"{self.structure} — {self.get_role_display()} — {self.pole}"

    @property
    def is_current(self) -> bool:
        return self.left_year is None

    @property
    def is_current_animator(self) -> bool:
        return self.role == self.Role.ANIMATOR and self.left_year is None

    def get_constraints(self):
        # A form set editing several memberships at once (the admin's inline) checks
        # "one current animator" for the whole submission, where replacing the
        # animator (the old one left, a new one named) is valid: row by row against
        # the database, the new animator would collide with the old one.
        constraints = super().get_constraints()
        if not getattr(self, "animator_checked_by_formset", False):
            return constraints
        return [
            (model, [c for c in model_constraints if c.name != self.ONE_CURRENT_ANIMATOR])
            for model, model_constraints in constraints
        ]

    def clean(self):
        if self.joined_year and self.left_year and self.left_year < self.joined_year:
            raise ValidationError({"left_year": _("The year left cannot precede the year joined.")})
        this_year = timezone.now().year
        for field in ("joined_year", "left_year"):
            value = getattr(self, field)
            if value and value > this_year:
                raise ValidationError({field: _("This year is in the future.")})
