"""Reference lists, edited by national administrators and loaded from fixtures."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caching.reverse import reverse_cached
from poles.constants import YEAR_MAX, YEAR_MIN
from poles.fields import WebAddressField


class ReferenceItem(models.Model):
    """A named entry of a reference list, named in French with an optional English name."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name (French)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the visitor's language, French when no translation is recorded."""
        if self.name_en and (get_language() or "fr").startswith("en"):
            return self.name_en
        return self.name


class Sector(ReferenceItem):
    # Fourteen sectors cannot each get a colour that colour-blind readers tell apart
    # (qualitative palettes made for them stop at 7 to 9 colours): the colour groups
    # related sectors, and the marker's letters name the sector. See docs/public-site.md.
    color = models.CharField(
        _("map colour"),
        max_length=7,
        default="#3f6f8f",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour such as #1f77b4."))],
    )
    symbol = models.CharField(
        _("map letters (French)"),
        max_length=2,
        blank=True,
        help_text=_("One or two letters drawn in the pole's marker, e.g. “Al”."),
    )
    symbol_en = models.CharField(
        _("map letters (English)"),
        max_length=2,
        blank=True,
        help_text=_("The letters for English visitors; the French ones when empty."),
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("activity sector")
        verbose_name_plural = _("activity sectors")

    def get_absolute_url(self):
        return reverse_cached("poles:sector", slug=self.slug)

    @property
    def ink(self) -> str:
        """Black or white, whichever contrasts more with `color` (WCAG relative
        luminance; static/poles/js/map.js draws the markers' letters the same way)."""
        try:
            channels = [int(self.color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        except ValueError:
            return "#000000"
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
        return "#000000" if luminance > 0.179 else "#ffffff"

    @property
    def mark(self) -> str:
        """The letters drawn in a marker, in the visitor's language."""
        if self.symbol_en and (get_language() or "fr").startswith("en"):
            return self.symbol_en
        return self.symbol or self.label[:1].upper()


class LegalForm(ReferenceItem):
    class Family(models.TextChoices):
        ASSOCIATION = "association", _("association")
        COOPERATIVE = "cooperative", _("cooperative")
        MUTUAL = "mutual", _("mutual")
        FOUNDATION = "foundation", _("foundation")
        COMPANY = "company", _("commercial company")
        PUBLIC_BODY = "public", _("public body")
        OTHER = "other", _("other")

    # The families the 2014 law recognises as ESS by their status. A commercial
    # company can also belong to the ESS, by meeting the law's conditions.
    ESS_FAMILIES = frozenset(
        {Family.ASSOCIATION, Family.COOPERATIVE, Family.MUTUAL, Family.FOUNDATION}
    )

    abbreviation = models.CharField(_("abbreviation"), max_length=30, blank=True)
    family = models.CharField(_("family"), max_length=20, choices=Family.choices)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("legal form")
        verbose_name_plural = _("legal forms")

    @property
    def family_is_ess(self) -> bool:
        return self.family in self.ESS_FAMILIES

    @property
    def short_label(self) -> str:
        return self.abbreviation or self.label


class Approval(ReferenceItem):
    """An approval (agrément): IAE ones (ACI, AI, EI, ETTI) and others (ESUS, GEIQ…)."""

    abbreviation = models.CharField(_("abbreviation"), max_length=30, blank=True)
    is_iae = models.BooleanField(
        _("insertion (IAE) approval"),
        default=False,
        help_text=_("Insertion through economic activity: ACI, AI, EI, ETTI."),
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")

    @property
    def short_label(self) -> str:
        return self.abbreviation or self.label


class HeadcountBand(models.Model):
    """INSEE headcount band (tranche d'effectif salarié)."""

    code = models.CharField(_("INSEE code"), max_length=2, unique=True)
    label = models.CharField(_("label"), max_length=100)
    min_employees = models.PositiveIntegerField(_("from (employees)"), default=0)
    max_employees = models.PositiveIntegerField(
        _("up to (employees)"), null=True, blank=True, help_text=_("Empty for the open top band.")
    )
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    class Meta:
        verbose_name = _("headcount band")
        verbose_name_plural = _("headcount bands")
        ordering = ["position", "min_employees"]

    def __str__(self):
        return self.label

    @property
    def is_under_ten(self) -> bool:
        return self.max_employees is not None and self.max_employees < 10


class PoolingType(ReferenceItem):
    """A kind of mutualisation practised by a pole."""

    survey_share = models.DecimalField(
        _("share in the Labo de l'ESS survey (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Share of poles practising it in the national survey, for comparison."),
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("pooling type")
        verbose_name_plural = _("pooling types")


class Network(ReferenceItem):
    class Kind(models.TextChoices):
        NETWORK = "network", _("network")
        PARTNERSHIP = "partnership", _("partnership")
        LEARNING_COMMUNITY = "learning-community", _("learning community")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NETWORK)
    animated_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="animates",
        verbose_name=_("animated by"),
    )
    website = WebAddressField(_("website"), blank=True)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("network or learning community")
        verbose_name_plural = _("networks and learning communities")


class Recognition(ReferenceItem):
    """A national recognition, such as a laureateship of an interministerial call."""

    year = models.PositiveSmallIntegerField(
        _("year of the call"), validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
    )
    announced = models.CharField(
        _("results announced"), max_length=50, blank=True, help_text=_("e.g. January 2014")
    )
    laureate_count = models.PositiveSmallIntegerField(
        _("number of laureates"), null=True, blank=True
    )
    source = models.TextField(_("source"), blank=True)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        ordering = ["year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX),
                name="recognition_year_in_range",
            )
        ]
