"""Spreadsheet import and export of cooperators (see spreadsheets/resources.py for the rules).

cooperators — one row per cooperator, identified by `pole` and `name` (both required):
    pole (slug), kind (person, organisation), name, structure (SIRET, or name),
    college (its name, within the pole), shares, joined_on, left_on (2024-03-31),
    is_board_member (1/0), consents_to_publication (1/0), consent_recorded_on,
    email, phone, postal_address, source.

The private contact columns (email, phone, postal_address) are exported only to
editors whose scope covers the cooperator's pole (editors.scopes.can_see_private_contacts)
and are empty for anyone else; on import they are read only for such editors, and left
as they are otherwise (an empty cell from a file without them clears nothing).
"""

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from editors.scopes import attachable_structures, can_see_private_contacts, editable_poles
from members.models import College, Cooperator
from poles.models import Pole, Structure
from poles.validators import normalize_siret

from .resources import (
    BooleanWidget,
    ChoiceWidget,
    CodeForeignKeyWidget,
    DateWidget,
    DirectoryResource,
    NumberWidget,
    ScopedPoleWidget,
    TextWidget,
    cell_text,
    field,
)

PRIVATE_CONTACT_COLUMNS = ("email", "phone", "postal_address")


class StructureBySiretOrNameWidget(CodeForeignKeyWidget):
    """A structure by its SIRET (14 digits) or, failing that, its exact name; limited to
    the structures the editor may attach to their poles."""

    def __init__(self, resource, **kwargs):
        self.resource = resource
        super().__init__(Structure, "siret", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(int(value)).zfill(14)
        text = cell_text(value)
        if not text:
            return None
        queryset = self.resource.attachable_structures
        siret = normalize_siret(text)
        if siret.isdigit() and len(siret) == 14:
            matches = list(queryset.filter(siret=siret)[:2])
        else:
            matches = list(queryset.filter(name__iexact=text)[:2])
        if len(matches) > 1:
            raise ValueError(
                _("Several structures are named “%(name)s”: give the SIRET.") % {"name": text}
            )
        if not matches:
            raise ValueError(
                _("Unknown structure “%(value)s” (give its SIRET or its exact name).")
                % {"value": text}
            )
        return matches[0]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value.siret or value.name


class CollegeWidget(CodeForeignKeyWidget):
    """A college by its name, among the colleges of the row's pole."""

    def __init__(self, **kwargs):
        super().__init__(College, "name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        pole_slug = cell_text((row or {}).get("pole"))
        college = College.objects.filter(pole__slug=pole_slug, name__iexact=text).first()
        if college is None:
            raise ValueError(
                _("The pole “%(pole)s” has no college named “%(name)s”.")
                % {"pole": pole_slug, "name": text}
            )
        return college


class CooperatorResource(DirectoryResource):
    # The pole comes first: the college and contact columns are read against it.
    pole = field("pole", TextWidget())  # replaced per instance by a scoped widget
    kind = field("kind", ChoiceWidget(Cooperator.Kind.choices))
    name = field("name", TextWidget())
    structure = field("structure", TextWidget())  # replaced per instance
    college = field("college", CollegeWidget())
    shares = field("shares", NumberWidget(whole=True, minimum=0))
    joined_on = field("joined_on", DateWidget())
    left_on = field("left_on", DateWidget())
    is_board_member = field("is_board_member", BooleanWidget())
    consents_to_publication = field("consents_to_publication", BooleanWidget())
    consent_recorded_on = field("consent_recorded_on", DateWidget())
    email = field("email", TextWidget())
    phone = field("phone", TextWidget())
    postal_address = field("postal_address", TextWidget())
    source = field("source", TextWidget())

    required_columns = ("pole", "name")

    class Meta(DirectoryResource.Meta):
        model = Cooperator
        name = "cooperators"
        fields = (
            "pole",
            "kind",
            "name",
            "structure",
            "college",
            "shares",
            "joined_on",
            "left_on",
            "is_board_member",
            "consents_to_publication",
            "consent_recorded_on",
            "email",
            "phone",
            "postal_address",
            "source",
        )

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.fields["pole"].widget = ScopedPoleWidget(self)
        self.fields["structure"].widget = StructureBySiretOrNameWidget(self)
        self._contacts_visible: dict[int, bool] = {}

    @property
    def key_description(self):
        return _("pole and name")

    @cached_property
    def attachable_structures(self):
        if self.is_national:
            return Structure.objects.all()
        return attachable_structures(self.user)

    def sees_contacts_of(self, pole_id) -> bool:
        """Asked once per pole of the file, of the one rule in editors.scopes."""
        if self.user is None:
            return True
        if pole_id is None:
            return False
        if pole_id not in self._contacts_visible:
            pole = Pole.objects.filter(pk=pole_id).first()
            self._contacts_visible[pole_id] = pole is not None and can_see_private_contacts(
                self.user, pole
            )
        return self._contacts_visible[pole_id]

    def row_key(self, row):
        pole, name = cell_text(row.get("pole")).lower(), cell_text(row.get("name")).casefold()
        return (pole, name) if pole and name else None

    def get_instance(self, instance_loader, row):
        pole_slug, name = cell_text(row.get("pole")), cell_text(row.get("name"))
        if not pole_slug or not name:
            return None
        matches = list(Cooperator.objects.filter(pole__slug=pole_slug, name__iexact=name)[:2])
        if len(matches) > 1:
            raise ValidationError(
                _("Several cooperators of this pole are named “%(name)s”: edit them in the admin.")
                % {"name": name}
            )
        return matches[0] if matches else None

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new and not self.can_edit_pole_id(instance.pole_id):
            raise ValidationError(
                _("The pole “%(slug)s” is outside your editing scope.")
                % {"slug": cell_text(row.get("pole"))}
            )
        self.refuse_new_without_permission(new)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name in PRIVATE_CONTACT_COLUMNS:
            pole_id = instance.pole_id
            if pole_id is None:
                return  # the pole column's own error says why
            if not self.sees_contacts_of(pole_id):
                # Not theirs to read, so not theirs to overwrite; a value is an error
                # rather than silently dropped.
                if cell_text(row.get(field.column_name)):
                    raise ValueError(
                        _("You may not record the private contacts of this pole's cooperators.")
                    )
                return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    # Export

    def export_queryset(self, queryset):
        if not self.is_national:
            queryset = queryset.filter(pole__in=editable_poles(self.user))
        return queryset.select_related("pole", "structure", "college").order_by(
            "pole__slug", "name", "pk"
        )

    def _contact(self, cooperator, name):
        return getattr(cooperator, name) if self.sees_contacts_of(cooperator.pole_id) else ""

    def dehydrate_email(self, cooperator):
        return self._contact(cooperator, "email")

    def dehydrate_phone(self, cooperator):
        return self._contact(cooperator, "phone")

    def dehydrate_postal_address(self, cooperator):
        return self._contact(cooperator, "postal_address")
