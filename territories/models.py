"""Official French geography, keyed by INSEE code (EPCI by SIREN).

Codes are the primary keys: they are stable, public, and what exports and URLs
speak, so no table needs a surrogate id that nobody outside knows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from caching.reverse import reverse_cached

from .querysets import CommuneQuerySet
from .validators import (
    validate_commune_code,
    validate_departement_code,
    validate_region_code,
    validate_siren,
)


class Zone(models.TextChoices):
    METRO = "metro", _("Metropolitan France")
    DROM = "drom", _("Overseas")


class Region(models.Model):
    code = models.CharField(
        _("INSEE code"), max_length=2, primary_key=True, validators=[validate_region_code]
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    zone = models.CharField(_("zone"), max_length=5, choices=Zone.choices, default=Zone.METRO)
    chef_lieu_code = models.CharField(_("chef-lieu (INSEE code)"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_cached("poles:region", region_slug=self.slug)


class Departement(models.Model):
    code = models.CharField(
        _("INSEE code"), max_length=3, primary_key=True, validators=[validate_departement_code]
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departements", verbose_name=_("région")
    )
    zone = models.CharField(_("zone"), max_length=5, choices=Zone.choices, default=Zone.METRO)
    chef_lieu_code = models.CharField(_("chef-lieu (INSEE code)"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse_cached(
            "poles:departement", region_slug=self.region.slug, departement_slug=self.slug
        )


class EPCI(models.Model):
    """Établissement public de coopération intercommunale (CC, CA, CU, métropole)."""

    code = models.CharField(_("SIREN"), max_length=9, primary_key=True, validators=[validate_siren])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, help_text=_("CC, CA, CU, METRO or MET69"))
    departements = models.ManyToManyField(
        Departement, related_name="epcis", verbose_name=_("départements")
    )

    class Meta:
        verbose_name = _("EPCI")
        verbose_name_plural = _("EPCI")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Commune(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "COM", _("commune")
        ARRONDISSEMENT = "ARM", _("municipal arrondissement")

    code = models.CharField(
        _("INSEE code"), max_length=5, primary_key=True, validators=[validate_commune_code]
    )
    name = models.CharField(_("name"), max_length=100)
    # Lower-case, accent-free name: indexed, so that prefix lookups in the admin
    # autocomplete stay fast on 35,000 rows without unaccent() at query time.
    search_name = models.CharField(_("search name"), max_length=100, db_index=True, editable=False)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    kind = models.CharField(_("type"), max_length=3, choices=Kind.choices, default=Kind.COMMUNE)
    departement = models.ForeignKey(
        Departement,
        on_delete=models.PROTECT,
        related_name="communes",
        verbose_name=_("département"),
    )
    epci = models.ForeignKey(
        EPCI,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="communes",
        verbose_name=_("EPCI"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="arrondissements",
        verbose_name=_("parent commune"),
        help_text=_("For the arrondissements of Paris, Lyon and Marseille."),
    )
    postal_codes = models.CharField(
        _("postal codes"), max_length=200, blank=True, help_text=_("Separated by spaces.")
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    is_current = models.BooleanField(
        _("in the current official geography"),
        default=True,
        help_text=_(
            "Communes that disappear from the official geography (mergers) are kept, "
            "marked as former, so that no pole or structure loses its commune."
        ),
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name", "code"]
        indexes = [
            # A visitor's position finds its nearest commune in a box around it (an
            # index range on the latitude, the longitude checked in the index).
            models.Index(fields=["latitude", "longitude"], name="commune_position_idx"),
        ]

    def __str__(self):
        label = f"{self.name} ({self.code})"
        if not self.is_current:
            label += " — " + str(_("former commune"))
        return label


class PostalCode(models.Model):
    """One postal code of one commune: a commune has several, a code serves several
    communes. A table rather than `Commune.postal_codes`, so that a postal code (or its
    first digits) is an indexed lookup, not a scan of every commune."""

    code = models.CharField(_("postal code"), max_length=5, db_index=True)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        related_name="postal_code_rows",
        verbose_name=_("commune"),
    )

    class Meta:
        verbose_name = _("postal code")
        verbose_name_plural = _("postal codes")
        ordering = ["code", "commune"]
        constraints = [
            models.UniqueConstraint(fields=["code", "commune"], name="postal_code_commune_unique")
        ]

    def __str__(self):
        return self.code


class LoadedDataset(models.Model):
    """Fingerprint of a reference file set already loaded, so reloading is instant."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    checksum = models.CharField(_("checksum"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("loaded dataset")
        verbose_name_plural = _("loaded datasets")

    def __str__(self):
        return self.name
