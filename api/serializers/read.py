"""What the API shows: one read serializer per representation.

They serialize the plain rows of `api.selectors` and declare every field the API may
show, with its type, for the OpenAPI document: a key a selector adds that no
serializer declares never reaches a client (tests/api/test_visibility.py holds the
exact list of fields of every endpoint). Writes have their own serializers
(`api.serializers.write`), never these.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Every field is read-only: these only read rows.
Serializer = serializers.Serializer


class CodeLabel(Serializer):
    code = serializers.CharField(help_text=_("Stable identifier of the value."))
    label = serializers.CharField(help_text=_("Label in the requested language."))


class Place(Serializer):
    code = serializers.CharField(help_text=_("INSEE code (SIREN for an EPCI)."))
    name = serializers.CharField()


class SlugLabel(Serializer):
    slug = serializers.CharField()
    label = serializers.CharField(help_text=_("Label in the requested language."))


class PoleRef(Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class Seat(Serializer):
    commune = Place(allow_null=True)
    departement = Place(allow_null=True)
    region = Place(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)


class DetailedSeat(Seat):
    address = serializers.CharField(allow_blank=True)
    postal_code = serializers.CharField(allow_blank=True)


class LatestEtp(Serializer):
    value = serializers.FloatField()
    year = serializers.IntegerField()


class PoleListItem(Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    status = CodeLabel()
    status_as_of = serializers.IntegerField(
        allow_null=True, help_text=_("Year of the latest source confirming the status.")
    )
    founded_year = serializers.IntegerField(allow_null=True)
    closed_year = serializers.IntegerField(allow_null=True)
    to_complete = serializers.BooleanField(
        help_text=_("The sources give little more than the pole's name and territory.")
    )
    seat = Seat()
    sectors = SlugLabel(many=True)
    latest_etp = LatestEtp(
        allow_null=True, help_text=_("The most recent full-time equivalents, with their year.")
    )
    website = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()


class LegalFormRef(Serializer):
    slug = serializers.CharField()
    label = serializers.CharField()
    abbreviation = serializers.CharField(allow_blank=True)


class Recognition(SlugLabel):
    year = serializers.IntegerField()


class NetworkRef(SlugLabel):
    kind = CodeLabel()


class TerritoryOfAction(Serializer):
    regions = Place(many=True)
    departements = Place(many=True)
    epcis = Place(many=True)
    communes = Place(many=True)


class KeyFigure(Serializer):
    year = serializers.IntegerField()
    etp = serializers.FloatField(allow_null=True, help_text=_("Full-time equivalents."))
    turnover = serializers.IntegerField(allow_null=True, help_text=_("Turnover in euros."))
    member_structures = serializers.IntegerField(allow_null=True)
    cooperators = serializers.IntegerField(allow_null=True)
    is_approximate = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    source = serializers.CharField(allow_blank=True)


class Source(Serializer):
    citation = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    year = serializers.IntegerField(allow_null=True)


class Photo(Serializer):
    url = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    alt = serializers.CharField(allow_blank=True)
    caption = serializers.CharField(allow_blank=True)
    credit = serializers.CharField(allow_blank=True)


class Approval(SlugLabel):
    abbreviation = serializers.CharField(allow_blank=True)
    is_iae = serializers.BooleanField(help_text=_("An insertion (IAE) approval."))


class StructureLegalForm(LegalFormRef):
    family = CodeLabel()


class Structure(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    siret = serializers.CharField(allow_blank=True)
    legal_form = StructureLegalForm(allow_null=True)
    headcount_band = CodeLabel(allow_null=True)
    approvals = Approval(many=True)
    etp = serializers.FloatField(allow_null=True)
    turnover = serializers.IntegerField(allow_null=True)
    figures_year = serializers.IntegerField(
        allow_null=True, help_text=_("The year of the ETP and turnover figures.")
    )
    commune = Place(allow_null=True)
    website = serializers.CharField(allow_blank=True)


class Member(Serializer):
    structure = Structure()
    role = CodeLabel()
    joined_year = serializers.IntegerField(allow_null=True)
    left_year = serializers.IntegerField(allow_null=True)


class College(Serializer):
    name = serializers.CharField()
    vote_weight = serializers.FloatField(help_text=_("Share of the votes, in percent."))
    cooperator_count = serializers.IntegerField()


class Cooperators(Serializer):
    total = serializers.IntegerField(help_text=_("Current cooperators."))
    organisations = serializers.ListField(child=serializers.CharField())
    person_count = serializers.IntegerField(help_text=_("Natural persons, named or not."))
    named_persons = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Only the persons who consented to be named publicly."),
    )
    colleges = College(many=True)


class PoleDetail(Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    development_axes = serializers.ListField(child=serializers.CharField())
    status = CodeLabel()
    status_as_of = serializers.IntegerField(allow_null=True)
    founded_year = serializers.IntegerField(allow_null=True)
    closed_year = serializers.IntegerField(allow_null=True)
    to_complete = serializers.BooleanField()
    legal_form = LegalFormRef(allow_null=True)
    seat = DetailedSeat()
    main_sector = SlugLabel(allow_null=True)
    website = serializers.CharField(allow_blank=True)
    logo = serializers.CharField(allow_null=True)
    source = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()
    sectors = SlugLabel(many=True)
    pooling_types = SlugLabel(many=True)
    recognitions = Recognition(many=True)
    networks = NetworkRef(many=True)
    territory_of_action = TerritoryOfAction()
    key_figures = KeyFigure(many=True)
    sources = Source(many=True)
    photos = Photo(many=True)
    members = Member(many=True)
    cooperators = Cooperators()


class StructurePole(Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    role = CodeLabel()
    joined_year = serializers.IntegerField(allow_null=True)
    left_year = serializers.IntegerField(allow_null=True)


class StructureWithPoles(Structure):
    poles = StructurePole(many=True)


# --- Territories -------------------------------------------------------------------------


class Region(Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField()
    zone = CodeLabel()
    pole_count = serializers.IntegerField(
        help_text=_("Published poles seated there or acting on (part of) it.")
    )


class RegionDetail(Region):
    departements = Place(many=True)
    poles = PoleRef(many=True)


class Departement(Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField()
    region = Place()
    zone = CodeLabel()
    pole_count = serializers.IntegerField(
        help_text=_("Published poles seated there or acting on (part of) it.")
    )


class DepartementDetail(Departement):
    poles = PoleRef(many=True)


class Epci(Serializer):
    code = serializers.CharField(help_text=_("SIREN of the EPCI."))
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("CC, CA, CU, METRO or MET69."))
    departements = serializers.ListField(child=serializers.CharField())


class EpciDetail(Epci):
    poles = PoleRef(many=True)


class Commune(Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = CodeLabel()
    departement = serializers.CharField()
    epci = serializers.CharField(allow_null=True)
    parent = serializers.CharField(
        allow_null=True, help_text=_("For an arrondissement: the INSEE code of its city.")
    )
    postal_codes = serializers.ListField(child=serializers.CharField())
    population = serializers.IntegerField(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    is_current = serializers.BooleanField()


class CommuneDetail(Commune):
    poles = PoleRef(
        many=True, help_text=_("Published poles whose territory of action covers the commune.")
    )


# --- Reference lists ---------------------------------------------------------------------


class ReferenceItem(SlugLabel):
    description = serializers.CharField(allow_blank=True)


class SectorItem(ReferenceItem):
    color = serializers.CharField(help_text=_("Colour of the sector on the map."))
    pole_count = serializers.IntegerField()


class PoolingTypeItem(ReferenceItem):
    survey_share = serializers.FloatField(
        allow_null=True, help_text=_("Share of poles practising it in the national survey (%).")
    )


class NetworkItem(ReferenceItem):
    kind = CodeLabel()
    website = serializers.CharField(allow_blank=True)


class RecognitionItem(ReferenceItem):
    year = serializers.IntegerField()
    announced = serializers.CharField(allow_blank=True)
    laureate_count = serializers.IntegerField(allow_null=True)
    source = serializers.CharField(allow_blank=True)


class LegalFormItem(ReferenceItem):
    abbreviation = serializers.CharField(allow_blank=True)
    family = CodeLabel()


class ApprovalItem(ReferenceItem):
    abbreviation = serializers.CharField(allow_blank=True)
    is_iae = serializers.BooleanField()


class HeadcountBandItem(Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    min_employees = serializers.IntegerField()
    max_employees = serializers.IntegerField(allow_null=True)


# --- Observatory -------------------------------------------------------------------------


class IndicatorColumn(Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    numeric = serializers.BooleanField()


class Indicator(Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    definition = serializers.CharField()
    base = serializers.IntegerField(help_text=_("Number of poles or structures it rests on."))
    base_unit = serializers.ChoiceField(choices=["poles", "structures"])
    is_thin = serializers.BooleanField(help_text=_("Too few poles or structures to conclude."))
    note = serializers.CharField(allow_blank=True)
    columns = IndicatorColumn(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(allow_null=True),
        help_text=_("One object per row, keyed by the columns' keys."),
    )


class Problem(Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("For invalid parameters: the messages of each parameter."),
    )
