"""Spreadsheet import and export of poles and member structures (django-import-export).

The files have the shape of the public CSV exports: one header row, INSEE codes and
slugs rather than internal ids, multi-valued cells as `|`-separated codes or slugs.
Every row is validated like a form (the model's `full_clean()`), a file with any error
stores nothing, and re-importing an exported file changes nothing.

Column reference (columns other than the required ones may be left out: a missing
column leaves that field as it is):

poles — one row per pole, identified by `slug` (required, with `name`):
    slug, name, summary, description, status (emergence, actif, en-sommeil, ferme,
    a-confirmer),
    founded_year, closed_year, legal_form (slug), address, postal_code,
    seat_commune (INSEE code), latitude, longitude, territory_communes (INSEE codes |),
    territory_epcis (SIREN |), territory_departements (codes |), territory_regions
    (codes |), sectors (slugs |), main_sector (slug), pooling_types (slugs |),
    recognitions (slugs |), networks (slugs |), website, email, phone,
    is_published (1/0), source.

structures — one row per structure and pole it belongs to (`name` required):
    name, siret, legal_form (slug), approvals (slugs |), headcount_band (INSEE code),
    etp, turnover, figures_year, commune (INSEE code), website, source,
    pole (slug), role (founder, animator, member, partner), joined_year, left_year.
    A structure is identified by its SIRET when the row gives one, otherwise by its
    name and commune. A structure in two poles takes two rows with the same structure
    columns. The row's membership is the structure's membership in that pole with that
    role (the one that joined that year, or its only one); a row without `pole` only
    updates the structure.

Who may import what: see `DirectoryResource` and editors.scopes.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from editors.scopes import (
    attachable_structures,
    can_edit_pole,
    editable_poles,
    editable_structures,
    is_national,
)
from poles import derived
from poles.models import (
    Approval,
    HeadcountBand,
    LegalForm,
    Membership,
    Network,
    Pole,
    PoolingType,
    Recognition,
    Sector,
    Structure,
)
from poles.validators import normalize_siret
from territories.models import EPCI, Commune, Departement, Region

from .cells import escape_formula, unescape_formula

MULTI_VALUE_SEPARATOR = "|"


def _drop_empty_columns(dataset) -> list[str]:
    """The lower-cased headers, once the nameless, empty columns that spreadsheets often
    carry after the last one are dropped from `dataset`."""
    headers = [cell_text(header).lower() for header in dataset.headers or []]
    keep = [
        index
        for index, header in enumerate(headers)
        if header or any(cell_text(value) for value in dataset.get_col(index))
    ]
    if len(keep) < len(headers):
        rows = [[values[index] for index in keep] for values in dataset]
        dataset.wipe()
        dataset.headers = [headers[index] for index in keep]
        dataset.extend(rows)
        headers = list(dataset.headers)
    return headers


class ImportFileError(Exception):
    """A problem with the file as a whole (its columns, its size): no row is imported."""


# Widgets: each turns a cell into a value or raises ValueError with a message an editor
# can act on; import-export reports it on the row, under the column.


def cell_text(value) -> str:
    """A cell as text: spreadsheets give numbers, dates and None as well as strings.

    The quote our exports put before a leading formula character ("'=…", see
    `spreadsheets.cells.escape_formula`) is removed, so that a re-imported export changes
    nothing.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unescape_formula(str(value).strip())


def padded_code(value, width: int) -> str:
    """A code typed into a spreadsheet cell formatted as a number loses its leading
    zeros (01001 becomes 1001): give them back."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)).zfill(width)
    return cell_text(value)


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return cell_text(value)


class WebAddressWidget(TextWidget):
    """Like the admin form: an address typed without a scheme means https://."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs)
        if text and "://" not in text:
            text = "https://" + text
        return text


class CodeWidget(TextWidget):
    """A code (SIRET…) that a spreadsheet may have turned into a number."""

    def __init__(self, width: int, **kwargs):
        self.width = width
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        return padded_code(value, self.width)


class NumberWidget(widgets.NumberWidget):
    """A decimal or whole number written with a dot or a comma, never localised on export
    (a French "48,5" in a CSV would split columns for half the tools that read it)."""

    def __init__(self, *, whole: bool = False, minimum=None, **kwargs):
        self.whole = whole
        self.minimum = minimum
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
        shown = cell_text(value)
        # "1 234,5" as French spreadsheets write it, "1234.5" as exported.
        text = shown.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": shown}) from error
        if not number.is_finite():
            raise ValueError(_("“%(value)s” is not a number.") % {"value": shown})
        if self.minimum is not None and number < self.minimum:
            raise ValueError(
                _("This figure cannot be below %(minimum)s.") % {"minimum": self.minimum}
                if self.minimum
                else _("This figure cannot be negative.")
            )
        if self.whole:
            if number != number.to_integral_value() or abs(number) >= 10**18:
                raise ValueError(_("“%(value)s” is not a whole number.") % {"value": shown})
            return int(number)
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return "" if not kwargs.get("force_native_type") else None
        if kwargs.get("force_native_type"):
            return value
        if isinstance(value, Decimal):
            # 48.50000 → "48.5", 140.0 → "140"
            return format(value.normalize(), "f")
        return str(value)


class BooleanWidget(widgets.BooleanWidget):
    """Yes or no, in the ways spreadsheets and people write it; empty means no."""

    TRUE_TEXT = {"1", "true", "vrai", "oui", "yes", "x"}
    FALSE_TEXT = {"0", "false", "faux", "non", "no", ""}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if text in self.TRUE_TEXT:
            return True
        if text in self.FALSE_TEXT:
            return False
        raise ValueError(_("“%(value)s” is not yes or no: write 1 or 0.") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return bool(value)
        return "1" if value else "0"


class ChoiceWidget(TextWidget):
    """One of a model field's choices, by its value (the same value as the public URLs)."""

    def __init__(self, choices, *, default=None, **kwargs):
        self.values = [value for value, _label in choices]
        self.default = default
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            if self.default is None:
                raise ValueError(_("This column cannot be empty."))
            return self.default
        if text.lower() in self.values:
            return text.lower()
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": text, "choices": ", ".join(self.values)}
        )


class DateWidget(widgets.DateWidget):
    """A date as 2024-03-31 (as exported) or 31/03/2024 (as French spreadsheets show it)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.formats = ("%Y-%m-%d", "%d/%m/%Y")

    def clean(self, value, row=None, **kwargs):
        if hasattr(value, "date") and callable(value.date):  # an XLSX datetime
            return value.date()
        text = cell_text(value)
        try:
            return super().clean(text)
        except ValueError as error:
            raise ValueError(
                _("“%(value)s” is not a date: write it as 2024-03-31.") % {"value": text}
            ) from error

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return value.isoformat() if value else ""


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """A related record named by its code or slug, with a clear message when unknown."""

    def __init__(self, model, field, *, width=None, **kwargs):
        self.width = width
        super().__init__(model, field=field, **kwargs)

    def normalise(self, value) -> str:
        return padded_code(value, self.width) if self.width else cell_text(value)

    def unknown_message(self, text: str) -> str:
        return _("Unknown %(what)s “%(value)s”.") % {
            "what": self.model._meta.verbose_name,
            "value": text,
        }

    def clean(self, value, row=None, **kwargs):
        text = self.normalise(value)
        if not text:
            return None
        try:
            return self.get_queryset(text, row, **kwargs).get(**{self.field: text})
        except (self.model.DoesNotExist, self.model.MultipleObjectsReturned, ValueError):
            raise ValueError(self.unknown_message(text)) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(getattr(value, self.field))


class CodeManyToManyWidget(widgets.ManyToManyWidget):
    """Several related records as `|`-separated codes or slugs; unknown ones are errors
    (import-export's own widget silently drops them)."""

    def __init__(self, model, field, *, width=None, **kwargs):
        self.width = width
        super().__init__(model, separator=MULTI_VALUE_SEPARATOR, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int | float) and not isinstance(value, bool):
            codes = [padded_code(value, self.width or 0)]
        else:
            codes = [cell_text(part) for part in cell_text(value).split(self.separator)]
            if self.width:
                codes = [code.zfill(self.width) if code.isdigit() else code for code in codes]
        codes = list(dict.fromkeys(code for code in codes if code))
        if not codes:
            return []
        found = {
            str(getattr(obj, self.field)): obj
            for obj in self.model.objects.filter(**{f"{self.field}__in": codes})
        }
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValueError(
                _("Unknown %(what)s: %(values)s.")
                % {
                    "what": self.model._meta.verbose_name_plural,
                    "values": ", ".join(f"“{code}”" for code in unknown),
                }
            )
        return [found[code] for code in codes]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        # Sorted, so that an export compares equal to the next one.
        return self.separator.join(sorted(str(getattr(item, self.field)) for item in value.all()))


class ScopedPoleWidget(CodeForeignKeyWidget):
    """A pole by its slug, refused when it lies outside the importing editor's scope."""

    def __init__(self, resource_scope, **kwargs):
        self.scope = resource_scope
        super().__init__(Pole, "slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        pole = super().clean(value, row, **kwargs)
        if pole is not None and not self.scope.can_edit_pole_id(pole.pk):
            raise ValueError(
                _("The pole “%(slug)s” is outside your editing scope.") % {"slug": pole.slug}
            )
        return pole


# Resources


def field(column, widget, *, attribute=None, readonly=False):
    return fields.Field(
        attribute=column if attribute is None else attribute,
        column_name=column,
        widget=widget,
        readonly=readonly,
    )


class DirectoryResource(resources.ModelResource):
    """What every import file of the directory shares.

    - `user` is the editor importing or exporting: rows outside their scope are refused,
      exports hold only their records. `user=None` is a trusted caller (a management
      command, the shell) with national scope.
    - The file is checked as a whole before any row: known columns, required columns,
      a bounded number of rows, no row twice.
    - Rows are validated with the model's `full_clean()`; unchanged rows are skipped and
      reported as such, so re-importing a file changes nothing.
    """

    #: Columns without which no row can be read.
    required_columns: tuple[str, ...] = ()
    #: Columns that name the record; a file may not give the same key twice.
    key_description = ""

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        # Each row is checked against the database state left by the previous ones
        # (bulk mode would skip full_clean's view of earlier rows and the m2m fields).
        use_bulk = False

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.repeated_rows: dict[int, int] = {}

    def export_field(self, field, instance, **kwargs):
        # Text that people wrote may start like a formula (=HYPERLINK(…)): exported
        # inert, for CSV and XLSX alike (openpyxl writes "=…" strings as formulas).
        # Numbers are left as they are: -12.5 is a number, not a formula.
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and not isinstance(field.widget, widgets.NumberWidget):
            return escape_formula(value)
        return value

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        # All or nothing by default, for every caller: an invalid row rolls back the
        # rows before it too (import-export only does so for exceptions by default).
        kwargs.setdefault("rollback_on_validation_errors", True)
        reading = getattr(dataset, "reading", None)
        result = super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)
        # The preview says how a CSV file was read (encoding, separator).
        result.file_reading = reading.describe() if reading is not None else ""
        return result

    # Scope

    @cached_property
    def is_national(self) -> bool:
        return self.user is None or is_national(self.user)

    @cached_property
    def editable_pole_ids(self) -> set[int]:
        return set(editable_poles(self.user).values_list("pk", flat=True))

    def can_edit_pole_id(self, pole_id) -> bool:
        return self.is_national or pole_id in self.editable_pole_ids

    def can_add(self) -> bool:
        if self.user is None:
            return True
        opts = self._meta.model._meta
        return self.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")

    def refuse_new_without_permission(self, new: bool):
        if new and not self.can_add():
            raise ValidationError(
                _("You may not add new %(records)s: this row names none that exists.")
                % {"records": self._meta.model._meta.verbose_name_plural}
            )

    # The file as a whole

    def column_names(self) -> list[str]:
        return [f.column_name for f in self.get_import_fields()]

    def row_key(self, row):
        """The record a row names, to find the same record twice in a file (or None)."""
        return None

    def _header_problems(self, headers) -> list[str]:
        """What is wrong with a file's header row, in words an editor can act on."""
        known = self.column_names()
        problems = []
        if not headers:
            problems.append(_("The file has no header row."))
        if "" in headers:
            problems.append(_("A column has no name in the header row."))
        unknown = [h for h in dict.fromkeys(headers) if h and h not in known]
        if unknown:
            problems.append(
                _("Unknown columns: %(columns)s. The columns of this file are: %(known)s.")
                % {"columns": ", ".join(unknown), "known": ", ".join(known)}
            )
        repeated = [h for h in dict.fromkeys(headers) if h and headers.count(h) > 1]
        if repeated:
            problems.append(
                _("Columns given twice: %(columns)s.") % {"columns": ", ".join(repeated)}
            )
        missing = [c for c in self.required_columns if c not in headers]
        if missing:
            problems.append(
                _("Missing required columns: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        return problems

    def before_import(self, dataset, **kwargs):
        headers = _drop_empty_columns(dataset)
        problems = self._header_problems(headers)
        if len(dataset) > settings.IMPORT_MAX_ROWS:
            problems.append(
                _("The file has %(count)s rows: import at most %(max)s rows at a time.")
                % {"count": len(dataset), "max": settings.IMPORT_MAX_ROWS}
            )
        if problems:
            # Import no row at all: their errors would only repeat the file's.
            dataset.wipe()
            raise ImportFileError(" ".join(problems))
        dataset.headers = headers

        first_row_of = {}
        for number, values in enumerate(dataset, 1):
            key = self.row_key(dict(zip(headers, values, strict=True)))
            if key is None:
                continue
            if key in first_row_of:
                self.repeated_rows[number] = first_row_of[key]
            else:
                first_row_of[key] = number

    def before_import_row(self, row, **kwargs):
        number = kwargs.get("row_number")
        if number in self.repeated_rows:
            raise ValidationError(
                _(
                    "Line %(line)s repeats line %(first)s (same %(key)s): "
                    "each record may appear only once."
                )
                % {
                    "line": line_number(number),
                    "first": line_number(self.repeated_rows[number]),
                    "key": self.key_description,
                }
            )

    # One row

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        # The preview shows the spreadsheet's line numbers and readable messages.
        row_result.number = kwargs.get("row_number")
        row_result.line = line_number(row_result.number)
        row_result.messages = self.row_messages(row_result)
        # The diff of the values for valid rows, the values as given for the others.
        row_result.cells = row_result.diff or [
            cell_text(row.get(column)) for column in self.get_diff_headers()
        ]
        return row_result

    def row_messages(self, row_result) -> list[tuple[str, str]]:
        messages = []
        if row_result.validation_error is not None:
            error = row_result.validation_error
            error_dict = (
                error.message_dict
                if hasattr(error, "error_dict")
                else {NON_FIELD_ERRORS: error.messages}
            )
            columns = {f.attribute: f.column_name for f in self.get_import_fields()}
            for name, texts in error_dict.items():
                label = "" if name == NON_FIELD_ERRORS else columns.get(name, name)
                messages.extend((label, text) for text in texts)
        for error in row_result.errors:
            messages.append(("", str(error.error)))
        return messages

    def import_instance(self, instance, row, **kwargs):
        """Every column is read before the row is judged, so that one pass reports every
        error of the row, many-to-many columns included (import-export reads those only
        after saving)."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for f in self.get_import_fields():
            if isinstance(f.widget, widgets.ManyToManyWidget) and f.column_name in row:
                try:
                    f.clean(row)
                except ValueError as error:
                    errors[f.attribute] = [str(error)]
        try:
            self.import_related(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def import_related(self, instance, row, **kwargs):
        """Read the columns that are not the model's own fields."""

    def import_data_inner(self, *args, **kwargs):
        # The poles' derived data (search text, updated_at, coverage) is refreshed once
        # for the whole file, inside the import's transaction (poles/derived.py).
        with derived.batch():
            return super().import_data_inner(*args, **kwargs)

    # Export

    def export_queryset(self, queryset):
        return queryset

    def export(self, queryset=None, **kwargs):
        # The file keeps its documented shape whatever columns a form may have selected.
        kwargs.pop("export_fields", None)
        if queryset is None:
            queryset = self.get_queryset()
        return super().export(queryset=self.export_queryset(queryset), **kwargs)


def line_number(row_number):
    """Data row n is line n + 1 of the spreadsheet, under the header row."""
    return None if row_number is None else row_number + 1


class PoleResource(DirectoryResource):
    slug = field("slug", TextWidget())
    name = field("name", TextWidget())
    summary = field("summary", TextWidget())
    description = field("description", TextWidget())
    status = field("status", ChoiceWidget(Pole.Status.choices))
    founded_year = field("founded_year", NumberWidget(whole=True))
    closed_year = field("closed_year", NumberWidget(whole=True))
    legal_form = field("legal_form", CodeForeignKeyWidget(LegalForm, "slug"))
    address = field("address", TextWidget())
    postal_code = field("postal_code", CodeWidget(5))
    seat_commune = field("seat_commune", CodeForeignKeyWidget(Commune, "code", width=5))
    latitude = field("latitude", NumberWidget())
    longitude = field("longitude", NumberWidget())
    territory_communes = field("territory_communes", CodeManyToManyWidget(Commune, "code", width=5))
    territory_epcis = field("territory_epcis", CodeManyToManyWidget(EPCI, "code", width=9))
    territory_departements = field(
        "territory_departements", CodeManyToManyWidget(Departement, "code", width=2)
    )
    territory_regions = field("territory_regions", CodeManyToManyWidget(Region, "code", width=2))
    sectors = field("sectors", CodeManyToManyWidget(Sector, "slug"))
    main_sector = field("main_sector", CodeForeignKeyWidget(Sector, "slug"))
    pooling_types = field("pooling_types", CodeManyToManyWidget(PoolingType, "slug"))
    recognitions = field("recognitions", CodeManyToManyWidget(Recognition, "slug"))
    networks = field("networks", CodeManyToManyWidget(Network, "slug"))
    website = field("website", WebAddressWidget())
    email = field("email", TextWidget())
    phone = field("phone", TextWidget())
    is_published = field("is_published", BooleanWidget())
    source = field("source", TextWidget())

    required_columns = ("slug", "name")

    class Meta(DirectoryResource.Meta):
        model = Pole
        name = "poles"
        import_id_fields = ["slug"]
        fields = (
            "slug",
            "name",
            "summary",
            "description",
            "status",
            "founded_year",
            "closed_year",
            "legal_form",
            "address",
            "postal_code",
            "seat_commune",
            "latitude",
            "longitude",
            "territory_communes",
            "territory_epcis",
            "territory_departements",
            "territory_regions",
            "sectors",
            "main_sector",
            "pooling_types",
            "recognitions",
            "networks",
            "website",
            "email",
            "phone",
            "is_published",
            "source",
        )

    @property
    def key_description(self):
        return _("slug")

    def row_key(self, row):
        slug = cell_text(row.get("slug")).lower()
        return slug or None

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new and not self.can_edit_pole_id(instance.pk):
            raise ValidationError(
                _("The pole “%(slug)s” is outside your editing scope.") % {"slug": instance.slug}
            )
        self.refuse_new_without_permission(new)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        # As Pole.clean() does: a seat without coordinates sits at its commune's. Done
        # before the unchanged-row check, so that re-importing such a row is a no-op.
        if instance.latitude is None and instance.longitude is None and instance.seat_commune:
            instance.latitude = instance.seat_commune.latitude
            instance.longitude = instance.seat_commune.longitude

    def save_m2m(self, instance, row, **kwargs):
        super().save_m2m(instance, row, **kwargs)
        # Asked of the database once the seat and networks are saved (in the import's
        # transaction), with the one scope rule: no row may create a pole its editor
        # cannot reach, or move one out of reach.
        if not self.is_national and not can_edit_pole(self.user, instance):
            raise ValidationError(
                _("With this seat and these networks the pole would be outside your editing scope.")
            )

    def export_queryset(self, queryset):
        if not self.is_national:
            queryset = queryset.filter(pk__in=editable_poles(self.user).values("pk"))
        return queryset.select_related(
            "legal_form", "seat_commune", "main_sector"
        ).prefetch_related(
            "territory_communes",
            "territory_epcis",
            "territory_departements",
            "territory_regions",
            "sectors",
            "pooling_types",
            "recognitions",
            "networks",
        )


class StructureResource(DirectoryResource):
    name = field("name", TextWidget())
    siret = field("siret", CodeWidget(14))
    legal_form = field("legal_form", CodeForeignKeyWidget(LegalForm, "slug"))
    approvals = field("approvals", CodeManyToManyWidget(Approval, "slug"))
    headcount_band = field("headcount_band", CodeForeignKeyWidget(HeadcountBand, "code", width=2))
    etp = field("etp", NumberWidget(minimum=0))
    turnover = field("turnover", NumberWidget(whole=True, minimum=0))
    figures_year = field("figures_year", NumberWidget(whole=True))
    commune = field("commune", CodeForeignKeyWidget(Commune, "code", width=5))
    website = field("website", WebAddressWidget())
    source = field("source", TextWidget())
    # The membership the row speaks of: read in import_related(), saved after the
    # structure; readonly so that import-export compares but never sets them.
    pole = field(
        "pole",
        CodeForeignKeyWidget(Pole, "slug"),
        attribute="import_membership__pole",
        readonly=True,
    )
    role = field("role", TextWidget(), attribute="import_membership__role", readonly=True)
    joined_year = field(
        "joined_year",
        NumberWidget(whole=True),
        attribute="import_membership__joined_year",
        readonly=True,
    )
    left_year = field(
        "left_year",
        NumberWidget(whole=True),
        attribute="import_membership__left_year",
        readonly=True,
    )

    required_columns = ("name",)
    structure_columns = (
        "name",
        "siret",
        "legal_form",
        "approvals",
        "headcount_band",
        "etp",
        "turnover",
        "figures_year",
        "commune",
        "website",
        "source",
    )

    class Meta(DirectoryResource.Meta):
        model = Structure
        name = "structures"
        fields = (
            "name",
            "siret",
            "legal_form",
            "approvals",
            "headcount_band",
            "etp",
            "turnover",
            "figures_year",
            "commune",
            "website",
            "source",
            "pole",
            "role",
            "joined_year",
            "left_year",
        )

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.role_widget = ChoiceWidget(Membership.Role.choices, default=Membership.Role.MEMBER)
        self.pole_widget = ScopedPoleWidget(self)
        self.conflicting_rows: dict[int, int] = {}

    @property
    def key_description(self):
        return _("structure, pole and role")

    # Identity: SIRET when given, else name and commune.

    @staticmethod
    def structure_key(row):
        siret = normalize_siret(cell_text(row.get("siret")))
        if siret:
            return ("siret", siret)
        return ("name", cell_text(row.get("name")).casefold(), padded_code(row.get("commune"), 5))

    def row_key(self, row):
        return (
            self.structure_key(row),
            cell_text(row.get("pole")).lower(),
            cell_text(row.get("role")).lower() or Membership.Role.MEMBER,
            cell_text(row.get("joined_year")),
        )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # The same structure on two rows (two poles) must say the same about it.
        columns = [c for c in self.structure_columns if c in dataset.headers]
        first_values = {}
        for number, values in enumerate(dataset, 1):
            row = dict(zip(dataset.headers, values, strict=True))
            key = self.structure_key(row)
            described = tuple(cell_text(row.get(c)) for c in columns)
            first = first_values.setdefault(key, (number, described))
            if first[1] != described:
                self.conflicting_rows[number] = first[0]

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        number = kwargs.get("row_number")
        if number in self.conflicting_rows:
            raise ValidationError(
                _(
                    "Line %(line)s describes the structure of line %(first)s differently: "
                    "give the same structure columns on both lines."
                )
                % {"line": line_number(number), "first": line_number(self.conflicting_rows[number])}
            )

    def get_instance(self, instance_loader, row):
        siret = normalize_siret(cell_text(row.get("siret")))
        if siret:
            structure = Structure.objects.filter(siret=siret).first()
            if structure is not None:
                return structure
        name = cell_text(row.get("name"))
        if not name:
            return None
        commune = padded_code(row.get("commune"), 5)
        matches = Structure.objects.filter(name__iexact=name)
        matches = matches.filter(commune_id=commune) if commune else matches.filter(commune=None)
        if siret:
            # Only a structure whose SIRET was never recorded is the same one.
            matches = matches.filter(siret="")
        matches = list(matches[:2])
        if len(matches) > 1:
            raise ValidationError(
                _("Several structures are named “%(name)s” in this commune: give the SIRET.")
                % {"name": name}
            )
        return matches[0] if matches else None

    def after_init_instance(self, instance, new, row, **kwargs):
        if (
            not new
            and not self.is_national
            and not attachable_structures(self.user).filter(pk=instance.pk).exists()
        ):
            raise ValidationError(
                _(
                    "The structure “%(name)s” belongs to poles outside your editing "
                    "scope: ask a national administrator to add it to your pole."
                )
                % {"name": instance.name}
            )
        self.refuse_new_without_permission(new)
        if new and getattr(self.user, "pk", None) is not None:
            # Its creator keeps it in sight while it belongs to no pole (editors.scopes).
            instance.created_by = self.user
        # Before import-export copies the instance as the "original": the membership as
        # stored, so that an unchanged one is recognised.
        instance.import_membership = self.stored_membership(instance, row)

    def stored_membership(self, instance, row, pole=None, role=None, joined_year=None):
        if instance.pk is None:
            return None
        if pole is None:
            pole = Pole.objects.filter(slug=cell_text(row.get("pole"))).first()
            role = cell_text(row.get("role")).lower() or Membership.Role.MEMBER
            try:
                joined_year = NumberWidget(whole=True).clean(row.get("joined_year"))
            except ValueError:
                joined_year = None
        if pole is None:
            return None
        candidates = list(Membership.objects.filter(pole=pole, structure=instance, role=role))
        exact = [m for m in candidates if m.joined_year == joined_year]
        if exact:
            return exact[0]
        if len(candidates) == 1:
            return candidates[0]
        current = [m for m in candidates if m.left_year is None]
        return current[0] if len(current) == 1 else None

    def import_related(self, instance, row, **kwargs):
        errors = {}
        values = {}
        parsers = {
            "pole": self.pole_widget,
            "role": self.role_widget,
            "joined_year": NumberWidget(whole=True),
            "left_year": NumberWidget(whole=True),
        }
        for column, widget in parsers.items():
            try:
                values[column] = widget.clean(row.get(column), row)
            except ValueError as error:
                errors[f"import_membership__{column}"] = [str(error)]
        if errors:
            raise ValidationError(errors)
        pole = values["pole"]
        if pole is None:
            given = [c for c in ("role", "joined_year", "left_year") if cell_text(row.get(c))]
            if given:
                raise ValidationError(
                    {"import_membership__pole": _("Give the pole this membership is in.")}
                )
            if instance.pk is None and not self.is_national:
                raise ValidationError(
                    {
                        "import_membership__pole": _(
                            "Give the pole this structure belongs to: you may add structures "
                            "to your own poles only."
                        )
                    }
                )
            instance.import_membership = None
            return
        stored = self.stored_membership(
            instance, row, pole=pole, role=values["role"], joined_year=values["joined_year"]
        )
        membership = (
            Membership.objects.get(pk=stored.pk)
            if stored is not None
            else Membership(pole=pole, role=values["role"])
        )
        membership.joined_year = values["joined_year"]
        membership.left_year = values["left_year"]
        instance.import_membership = membership

    def after_save_instance(self, instance, row, **kwargs):
        membership = getattr(instance, "import_membership", None)
        if membership is None:
            return
        membership.structure = instance
        try:
            membership.full_clean()
        except ValidationError as error:
            raise ValidationError(
                {
                    (
                        f"import_membership__{name}"
                        if name in {"pole", "role", "joined_year", "left_year"}
                        else name
                    ): messages
                    for name, messages in error.message_dict.items()
                }
            ) from error
        membership.save()

    # Export: one row per membership the editor may see, one row for a structure in
    # none of their poles' memberships (a national administrator's structure of no pole).

    def export_queryset(self, queryset):
        if not self.is_national:
            queryset = queryset.filter(pk__in=editable_structures(self.user).values("pk"))
        memberships = Membership.objects.select_related("pole").order_by(
            "pole__slug", "role", "joined_year", "pk"
        )
        if not self.is_national:
            memberships = memberships.filter(pole__in=editable_poles(self.user))
        return queryset.select_related("legal_form", "headcount_band", "commune").prefetch_related(
            "approvals", Prefetch("memberships", queryset=memberships, to_attr="export_memberships")
        )

    def iter_queryset(self, queryset):
        for structure in super().iter_queryset(queryset):
            memberships = getattr(structure, "export_memberships", None) or [None]
            for membership in memberships:
                structure.import_membership = membership
                yield structure
