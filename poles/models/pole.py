from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DEFERRED, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caching.reverse import reverse_cached
from poles.constants import YEAR_MAX, YEAR_MIN
from poles.fields import WebAddressField
from poles.querysets import PoleQuerySet
from territories.text import normalize
from territories.validators import coordinates_in_france_q, is_in_france

from .child import PoleChild

year_validators = [MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]


def name_sort_key(name: str) -> str:
    """The key a pole's name sorts by, the same on every database: lower-case and
    accent-free ("Économie" sorts with the E, not after Z), so `ORDER BY sort_name`
    needs no collation (SQLite has none for French)."""
    return normalize(name)[:200]


def year_in_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": YEAR_MIN, f"{field}__lte": YEAR_MAX}
    )


class Pole(models.Model):
    class Status(models.TextChoices):
        # Values are the public URL parameter (`?statut=`), so they stay French.
        EMERGING = "emergence", _("emerging")
        ACTIVE = "actif", _("active")
        DORMANT = "en-sommeil", _("dormant")
        CLOSED = "ferme", _("closed")
        # No dated source says the pole is at work: listed, but not counted as active.
        TO_CONFIRM = "a-confirmer", _("status not confirmed")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(
        _("summary"), max_length=400, blank=True, help_text=_("One or two sentences for lists.")
    )
    description = models.TextField(_("description"), blank=True)
    development_axes = models.TextField(
        _("development axes"), blank=True, help_text=_("One axis per line.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    status_as_of = models.PositiveSmallIntegerField(
        _("status confirmed in"),
        null=True,
        blank=True,
        validators=year_validators,
        help_text=_("Year of the latest source confirming the status."),
    )
    founded_year = models.PositiveSmallIntegerField(
        _("founding year"), null=True, blank=True, validators=year_validators, db_index=True
    )
    closed_year = models.PositiveSmallIntegerField(
        _("closing year"), null=True, blank=True, validators=year_validators
    )
    legal_form = models.ForeignKey(
        "poles.LegalForm",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="poles",
        verbose_name=_("legal form of the pole"),
        help_text=_("When the pole is itself a legal entity (a SCIC, an association…)."),
    )

    # Seat
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    seat_commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="seated_poles",
        verbose_name=_("seat commune"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )

    # Territory of action
    territory_communes = models.ManyToManyField(
        "territories.Commune",
        blank=True,
        related_name="poles_acting_here",
        verbose_name=_("communes of action"),
    )
    territory_epcis = models.ManyToManyField(
        "territories.EPCI", blank=True, related_name="poles", verbose_name=_("EPCI of action")
    )
    territory_departements = models.ManyToManyField(
        "territories.Departement",
        blank=True,
        related_name="poles",
        verbose_name=_("départements of action"),
    )
    territory_regions = models.ManyToManyField(
        "territories.Region", blank=True, related_name="poles", verbose_name=_("régions of action")
    )

    # What it does
    sectors = models.ManyToManyField(
        "poles.Sector", blank=True, related_name="poles", verbose_name=_("activity sectors")
    )
    main_sector = models.ForeignKey(
        "poles.Sector",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="main_for_poles",
        verbose_name=_("main sector"),
        help_text=_("Colours the pole's marker on the map."),
    )
    pooling_types = models.ManyToManyField(
        "poles.PoolingType", blank=True, related_name="poles", verbose_name=_("pooling types")
    )
    recognitions = models.ManyToManyField(
        "poles.Recognition", blank=True, related_name="poles", verbose_name=_("recognitions")
    )
    networks = models.ManyToManyField(
        "poles.Network",
        blank=True,
        related_name="poles",
        verbose_name=_("networks and learning communities"),
    )

    # Public contact of the pole (an organisation's, not a person's)
    website = WebAddressField(_("website"), blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # Written by poles.images (re-encoded, metadata stripped), with its small rendition.
    logo = models.ImageField(_("logo"), upload_to="poles/logos/", max_length=200, blank=True)
    logo_small = models.ImageField(
        _("small logo"), upload_to="poles/logos/", max_length=200, blank=True, editable=False
    )
    # The small rendition's size, so that pages reserve its room before it loads.
    logo_small_width = models.PositiveIntegerField(
        _("small logo width"), null=True, blank=True, editable=False
    )
    logo_small_height = models.PositiveIntegerField(
        _("small logo height"), null=True, blank=True, editable=False
    )

    source = models.TextField(
        _("source of these facts"),
        blank=True,
        help_text=_("URL or document the descriptive facts come from."),
    )
    is_published = models.BooleanField(_("published"), default=False, db_index=True)
    to_complete = models.BooleanField(
        _("record to complete"),
        default=False,
        help_text=_(
            "The sources give little more than the pole's name and territory: its page and "
            "card say so and invite the pole to complete it. Untick once it is completed."
        ),
    )
    # The `updated_at` that `load_seed` left on a pole it wrote: while the two are equal,
    # no one has edited the pole since, and later seed additions may still be applied.
    seed_synced_at = models.DateTimeField(
        _("written by the seed loader at"), null=True, blank=True, editable=False
    )
    # Normalised text the directory search runs on (see poles.services.refresh_search_text):
    # stored so that PostgreSQL can index it, instead of unaccenting columns at query time.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    # PostgreSQL only (NULL elsewhere): the same text as a weighted French tsvector (name
    # A, summary and sectors B, description and seat C, member structures D), written with
    # search_text by poles.services, and GIN-indexed (migration 0006), so that a search
    # never computes a tsvector per row at query time.
    search_vector = SearchVectorField(_("search vector"), null=True, editable=False)
    # PostgreSQL only: the A and B parts of search_vector (name; summary and sectors),
    # what a search's matches are ranked by. Ranking over search_vector itself read
    # each match's whole vector, 2 kB on average with the member structures' names (and
    # stored out of line by PostgreSQL), for a rank those names hardly change.
    rank_vector = SearchVectorField(_("rank vector"), null=True, editable=False)
    # `name_sort_key(name)`, written by save() (and by bulk writers): what "sort by name"
    # orders by, so that accents and case sort alike on SQLite and PostgreSQL.
    sort_name = models.CharField(
        _("sort name"), max_length=200, blank=True, default="", editable=False
    )
    is_synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        editable=False,
        db_index=True,
        help_text=_("Made up by generate_synthetic for benchmarks: not a real record."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    objects = PoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("pole")
        verbose_name_plural = _("poles")
        ordering = ["sort_name", "name"]
        indexes = [
            models.Index(fields=["is_published", "name"], name="pole_published_name_idx"),
            # The directory's default order, paginated from the index alone (with `id`,
            # the tie-breaker): COUNT(*) and LIMIT/OFFSET never read the table.
            models.Index(
                fields=["is_published", "sort_name", "id"], name="pole_published_sort_idx"
            ),
            models.Index(fields=["is_published", "status"], name="pole_published_status_idx"),
            # Exports' freshness (latest change, count), the home's recent poles, `-maj`.
            models.Index(fields=["is_published", "updated_at"], name="pole_published_updated_idx"),
            # The observatory's poles by status, seat and founding year, read from this
            # index alone on PostgreSQL (the table's rows are wide: texts, search vector).
            models.Index(
                fields=["id"],
                include=["is_published", "status", "seat_commune", "founded_year"],
                name="pole_profile_idx",
            ),
            # The GIN index on search_vector (and the trigram index of the search
            # lexicon, SearchWord) are PostgreSQL-only: created by migration 0006
            # (RunPython guarded by the vendor).
        ]
        constraints = [
            models.CheckConstraint(
                condition=year_in_range("founded_year")
                & year_in_range("closed_year")
                & year_in_range("status_as_of"),
                name="pole_years_in_range",
                # A fixed message: interpolating a lazy string here would freeze it
                # in one language and make migrations see a changed constraint.
                violation_error_message=_("Years must lie between 1800 and 2100."),
            ),
            models.CheckConstraint(
                condition=Q(closed_year__isnull=True)
                | Q(founded_year__isnull=True)
                | Q(closed_year__gte=F("founded_year")),
                name="pole_closed_after_founded",
                violation_error_message=_("The closing year cannot precede the founding year."),
            ),
            models.CheckConstraint(
                condition=coordinates_in_france_q(),
                name="pole_seat_in_france",
                violation_error_message=_(
                    "The seat's coordinates must lie in France (metropolitan or overseas)."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.sort_name = name_sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse_cached("poles:detail", slug=self.slug)

    # The fields that derived data read (coverage: the seat; search: the texts and the
    # seat): a save that keeps them all costs no refresh (poles/derived.py).
    TRACKED_FIELDS = ("seat_commune_id", "name", "summary", "description", "development_axes")

    @classmethod
    def from_db(cls, db, field_names, values):
        pole = super().from_db(db, field_names, values)
        pole.stored_values = {
            name: pole.__dict__.get(name, DEFERRED) for name in cls.TRACKED_FIELDS
        }
        return pole

    def changed_since_read(self, *names) -> bool:
        """Whether any of these tracked fields differs from the value read from the
        database (True for a pole not read from it: created, deserialised by a revert,
        or read without that field)."""
        stored = getattr(self, "stored_values", {})
        return any(
            stored.get(name, DEFERRED) is DEFERRED or stored[name] != getattr(self, name)
            for name in names
        )

    def mark_stored(self) -> None:
        """After a save: what is in memory is now what is stored."""
        self.stored_values = {name: getattr(self, name) for name in self.TRACKED_FIELDS}

    @property
    def seat_changed(self) -> bool:
        return self.changed_since_read("seat_commune_id")

    @property
    def development_axes_list(self) -> list[str]:
        return [line.strip() for line in self.development_axes.splitlines() if line.strip()]

    @property
    def is_scic(self) -> bool:
        return self.legal_form_id is not None and self.legal_form.slug == "scic"

    @property
    def logo_url(self) -> str:
        return self.logo.url if self.logo else ""

    @property
    def logo_small_url(self) -> str:
        return self.logo_small.url if self.logo_small else self.logo_url

    @property
    def has_seat_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def clean(self):
        errors = {}
        this_year = timezone.now().year
        if self.founded_year and self.founded_year > this_year:
            errors["founded_year"] = _("The founding year cannot be in the future.")
        if self.closed_year:
            if self.closed_year > this_year:
                errors["closed_year"] = _("The closing year cannot be in the future.")
            elif self.founded_year and self.closed_year < self.founded_year:
                errors["closed_year"] = _("The closing year cannot precede the founding year.")
            if self.status != self.Status.CLOSED:
                errors["status"] = _("A pole with a closing year must have the status “closed”.")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude" if self.longitude is None else "latitude"] = _(
                "Give both latitude and longitude, or neither."
            )
        elif self.latitude is None and self.seat_commune_id:
            # The seat defaults to the commune's coordinates; staff can refine it.
            self.latitude = self.seat_commune.latitude
            self.longitude = self.seat_commune.longitude
        if (
            self.latitude is not None
            and self.longitude is not None
            and not is_in_france(self.latitude, self.longitude)
        ):
            errors["latitude"] = _(
                "These coordinates are outside France (metropolitan or overseas). "
                "Check that latitude and longitude are not swapped."
            )
        if errors:
            raise ValidationError(errors)


class KeyFigure(PoleChild, models.Model):
    """A pole's consolidated key figures for one year."""

    pole = models.ForeignKey(
        Pole, on_delete=models.CASCADE, related_name="figures", verbose_name=_("pole")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=year_validators)
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
    member_structures_count = models.PositiveIntegerField(
        _("member structures"), null=True, blank=True
    )
    cooperators_count = models.PositiveIntegerField(_("cooperators"), null=True, blank=True)
    is_approximate = models.BooleanField(
        _("approximate"), default=False, help_text=_("The source gives an order of magnitude.")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("key figures for a year")
        verbose_name_plural = _("key figures by year")
        ordering = ["pole", "-year"]
        indexes = [
            # A pole's latest figures (the "latest ETP" of lists, the totals of the home,
            # territory and sector pages) read from the index alone on PostgreSQL.
            models.Index(
                fields=["pole", "-year"],
                include=["etp", "turnover", "is_approximate"],
                name="keyfigure_latest_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pole", "year"],
                name="keyfigure_one_row_per_pole_and_year",
                violation_error_message=_("This pole already has figures for this year."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX),
                name="keyfigure_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(etp__isnull=True) | Q(etp__gte=0),
                name="keyfigure_etp_not_negative",
                violation_error_message=_("ETP cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.pole} — {self.year}"

    def clean(self):
        if self.year and self.year > timezone.now().year:
            raise ValidationError({"year": _("Figures cannot be for a future year.")})
        if all(
            value is None
            for value in (
                self.etp,
                self.turnover,
                self.member_structures_count,
                self.cooperators_count,
            )
        ):
            raise ValidationError(_("Give at least one figure for this year."))


class PoleSource(PoleChild, models.Model):
    """A document the pole's facts come from, listed on its page."""

    pole = models.ForeignKey(
        Pole, on_delete=models.CASCADE, related_name="sources", verbose_name=_("pole")
    )
    citation = models.CharField(
        _("citation"), max_length=500, help_text=_("Author, title, publication date.")
    )
    url = WebAddressField(_("address"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=year_validators,
        help_text=_("Year of the document, when it is known."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["pole", "position", "id"]

    def __str__(self):
        return self.citation
