"""What staff send to the API's writes (`/api/v1/edit/…`), and what those endpoints
answer: the record's editable fields, relations named as the read endpoints name them
(references by slug, territories by INSEE code or SIREN, structures and memberships
by id), and its `version`.

These serializers only read the JSON into values and document the shape; every rule
(validators, the model's `clean()`, uniqueness, the editor's scope) is the admin
form's, applied by api.writes.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from editors.locking import record_version
from poles.models import (
    Approval,
    HeadcountBand,
    KeyFigure,
    LegalForm,
    Membership,
    Network,
    Pole,
    PoolingType,
    Recognition,
    Sector,
    Structure,
)
from territories.models import EPCI, Commune, Departement, Region


def lenient(model, names) -> dict:
    """No rule of the serializer's own on these fields: optional, blank allowed, no
    validators (the admin form has them all, and reports every error at once)."""
    kwargs = {}
    for name in names:
        field = model._meta.get_field(name)
        kwargs[name] = {"required": False, "validators": []}
        if isinstance(field, models.CharField | models.TextField):
            kwargs[name]["allow_blank"] = True
        if isinstance(field, models.DecimalField):
            # "12.5", not "12.50": as the pole pages write figures, and as clients send them.
            kwargs[name]["normalize_output"] = True
    return kwargs


class NoNulMixin:
    """A reference holding a NUL character names nothing: refused before the lookup,
    which PostgreSQL would answer with an error (text cannot hold NUL)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            name = getattr(self, "slug_field", "pk")
            self.fail("does_not_exist", slug_name=name, value=data, pk_value=data)
        return super().to_internal_value(data)


class SlugReference(NoNulMixin, serializers.SlugRelatedField):
    pass


class CodeReference(NoNulMixin, serializers.PrimaryKeyRelatedField):
    pass


def by_slug(model, **kwargs):
    return SlugReference(slug_field="slug", queryset=model.objects.all(), **kwargs)


def by_code(model, **kwargs):
    return CodeReference(queryset=model.objects.all(), pk_field=serializers.CharField(), **kwargs)


class EditSerializer(serializers.ModelSerializer):
    """Every field optional on a change (only the fields sent change); the record's
    version is read-only, computed from what is stored."""

    version = serializers.SerializerMethodField(
        help_text=_("The record's version: send it back in If-Match to change the record.")
    )

    def get_version(self, obj) -> str:
        return record_version(obj, self.editable())

    @classmethod
    def editable(cls) -> list[str]:
        return list(cls.Meta.editable_fields)


class PoleEdit(EditSerializer):
    legal_form = by_slug(LegalForm, required=False, allow_null=True)
    seat_commune = by_code(Commune, required=False, allow_null=True)
    territory_communes = by_code(Commune, many=True, required=False)
    territory_epcis = by_code(EPCI, many=True, required=False)
    territory_departements = by_code(Departement, many=True, required=False)
    territory_regions = by_code(Region, many=True, required=False)
    main_sector = by_slug(Sector, required=False, allow_null=True)
    sectors = by_slug(Sector, many=True, required=False)
    pooling_types = by_slug(PoolingType, many=True, required=False)
    recognitions = by_slug(Recognition, many=True, required=False)
    networks = by_slug(Network, many=True, required=False)

    class Meta:
        model = Pole
        editable_fields = (
            "name",
            "slug",
            "summary",
            "description",
            "development_axes",
            "is_published",
            "to_complete",
            "status",
            "status_as_of",
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
            "main_sector",
            "sectors",
            "pooling_types",
            "recognitions",
            "networks",
            "website",
            "email",
            "phone",
            "source",
        )
        fields = ("id", *editable_fields, "version")
        read_only_fields = ("id",)
        # The admin form validates; no second set of rules here (unique slug included).
        validators = []
        extra_kwargs = lenient(model, editable_fields)


class StructureEdit(EditSerializer):
    legal_form = by_slug(LegalForm, required=False, allow_null=True)
    approvals = by_slug(Approval, many=True, required=False)
    headcount_band = SlugReference(
        slug_field="code", queryset=HeadcountBand.objects.all(), required=False, allow_null=True
    )
    commune = by_code(Commune, required=False, allow_null=True)

    class Meta:
        model = Structure
        editable_fields = (
            "name",
            "siret",
            "legal_form",
            "approvals",
            "headcount_band",
            "etp",
            "turnover",
            "figures_year",
            "commune",
            "description",
            "source",
        )
        fields = ("id", *editable_fields, "version")
        read_only_fields = ("id",)
        validators = []
        extra_kwargs = lenient(model, editable_fields)


class KeyFigureEdit(EditSerializer):
    pole = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = KeyFigure
        editable_fields = (
            "etp",
            "turnover",
            "member_structures_count",
            "cooperators_count",
            "is_approximate",
            "note",
            "source",
        )
        fields = ("id", "pole", "year", *editable_fields, "version")
        read_only_fields = ("id", "pole", "year")
        validators = []
        extra_kwargs = lenient(model, editable_fields)

    @classmethod
    def editable(cls) -> list[str]:
        # The pole and the year come from the URL, and go through the form too (the
        # admin's scope-limited pole choices, the unique year per pole).
        return ["pole", "year", *cls.Meta.editable_fields]


class MembershipEdit(EditSerializer):
    pole = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    structure = serializers.PrimaryKeyRelatedField(queryset=Structure.objects.all(), required=False)

    class Meta:
        model = Membership
        editable_fields = ("structure", "role", "joined_year", "left_year", "note", "source")
        fields = ("id", "pole", *editable_fields, "version")
        read_only_fields = ("id", "pole")
        validators = []
        extra_kwargs = lenient(model, editable_fields)

    @classmethod
    def editable(cls) -> list[str]:
        return ["pole", *cls.Meta.editable_fields]
