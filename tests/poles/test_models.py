"""Invariants: the message a user sees (full_clean) and the database's own guard."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from members.models import College, Cooperator
from poles.models import KeyFigure, LegalForm, Membership, Pole, Structure
from territories.models import Commune
from tests.factories import (
    CollegeFactory,
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    PoleFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def messages(excinfo, field=None):
    errors = excinfo.value.message_dict
    if field:
        return " ".join(errors.get(field, []))
    return " ".join(message for values in errors.values() for message in values)


def integrity_error(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


# Pole -----------------------------------------------------------------------


def test_pole_seat_defaults_to_the_commune_coordinates():
    pole = Pole(name="Test", slug="test", seat_commune=Commune.objects.get(code="60333"))
    pole.full_clean()
    assert pole.latitude == Decimal("49.44861") or pole.latitude is not None
    assert pole.latitude == pole.seat_commune.latitude
    assert pole.longitude == pole.seat_commune.longitude


def test_pole_coordinates_outside_france_are_refused_with_a_hint():
    pole = Pole(name="Test", slug="test", latitude=Decimal("2.35"), longitude=Decimal("48.85"))
    with pytest.raises(ValidationError) as excinfo:
        pole.full_clean()
    assert "outside France" in messages(excinfo, "latitude")
    assert "swapped" in messages(excinfo, "latitude")


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        ("48.85", "2.35"),  # Paris
        ("41.92", "8.74"),  # Ajaccio
        ("16.24", "-61.53"),  # Guadeloupe
        ("14.61", "-61.07"),  # Martinique
        ("4.94", "-52.33"),  # Cayenne
        ("-20.88", "55.45"),  # Saint-Denis de La Réunion
        ("-12.78", "45.23"),  # Mamoudzou
    ],
)
def test_pole_coordinates_in_metropolitan_and_overseas_france(lat, lng):
    pole = PoleFactory(latitude=Decimal(lat), longitude=Decimal(lng))
    pole.full_clean()


def test_every_commune_with_coordinates_is_inside_the_france_boxes():
    from territories.validators import is_in_france

    outside = [
        code
        for code, lat, lng in Commune.objects.exclude(latitude=None).values_list(
            "code", "latitude", "longitude"
        )
        if not is_in_france(lat, lng)
    ]
    assert outside == []


def test_database_refuses_a_seat_outside_france():
    pole = PoleFactory()
    integrity_error(
        lambda: Pole.objects.filter(pk=pole.pk).update(
            latitude=Decimal("40.71"), longitude=Decimal("-74.00")
        )
    )


def test_database_refuses_half_coordinates():
    pole = PoleFactory()
    integrity_error(lambda: Pole.objects.filter(pk=pole.pk).update(latitude=Decimal("48.8")))


def test_closing_year_before_founding_year():
    pole = PoleFactory.build(founded_year=2015, closed_year=2012, status=Pole.Status.CLOSED)
    with pytest.raises(ValidationError) as excinfo:
        pole.full_clean()
    assert "cannot precede the founding year" in messages(excinfo, "closed_year")
    pole = PoleFactory()
    integrity_error(
        lambda: Pole.objects.filter(pk=pole.pk).update(founded_year=2015, closed_year=2012)
    )


def test_closing_year_requires_the_closed_status():
    pole = PoleFactory.build(founded_year=2015, closed_year=2020, status=Pole.Status.ACTIVE)
    with pytest.raises(ValidationError) as excinfo:
        pole.full_clean()
    assert "closed" in messages(excinfo, "status")


def test_years_out_of_range():
    pole = PoleFactory.build(founded_year=1066)
    with pytest.raises(ValidationError) as excinfo:
        pole.full_clean()
    assert "founded_year" in excinfo.value.message_dict
    pole = PoleFactory()
    integrity_error(lambda: Pole.objects.filter(pk=pole.pk).update(founded_year=3000))


def test_founding_year_in_the_future():
    pole = PoleFactory.build(founded_year=date.today().year + 1)
    with pytest.raises(ValidationError) as excinfo:
        pole.full_clean()
    assert "future" in messages(excinfo, "founded_year")


# Key figures -------------------------------------------------------------------


def test_key_figures_are_not_negative():
    figure = KeyFigureFactory.build(pole=PoleFactory(), etp=Decimal("-1"))
    with pytest.raises(ValidationError) as excinfo:
        figure.full_clean()
    assert "etp" in excinfo.value.message_dict
    saved = KeyFigureFactory()
    integrity_error(lambda: KeyFigure.objects.filter(pk=saved.pk).update(etp=Decimal("-3")))
    integrity_error(lambda: KeyFigure.objects.filter(pk=saved.pk).update(turnover=-10))


def test_one_row_of_figures_per_pole_and_year():
    first = KeyFigureFactory(year=2020)
    duplicate = KeyFigure(pole=first.pole, year=2020, etp=3)
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "already has figures for this year" in messages(excinfo)
    integrity_error(duplicate.save)


def test_a_year_of_figures_needs_at_least_one_figure():
    figure = KeyFigure(pole=PoleFactory(), year=2020)
    with pytest.raises(ValidationError) as excinfo:
        figure.full_clean()
    assert "at least one figure" in messages(excinfo)


# Structures ----------------------------------------------------------------------


def test_structure_siret_is_validated_and_normalised():
    structure = Structure(name="Test", siret="732 829 320 00075")
    with pytest.raises(ValidationError) as excinfo:
        structure.full_clean()
    assert "check key" in messages(excinfo, "siret")
    structure.siret = "732 829 320 00074"
    structure.full_clean()
    assert structure.siret == "73282932000074"


def test_structure_siret_is_unique_when_present():
    StructureFactory(siret="73282932000074")
    StructureFactory(siret="")
    StructureFactory(siret="")  # several structures without a SIRET are fine
    other = Structure(name="Other", siret="73282932000074")
    with pytest.raises(ValidationError) as excinfo:
        other.full_clean()
    assert "already has this SIRET" in messages(excinfo)
    integrity_error(other.save)


def test_database_refuses_a_malformed_siret():
    structure = StructureFactory()
    integrity_error(lambda: Structure.objects.filter(pk=structure.pk).update(siret="12AB"))


def test_structure_figures_need_their_year():
    structure = Structure(name="Test", etp=Decimal("12"))
    with pytest.raises(ValidationError) as excinfo:
        structure.full_clean()
    assert "year" in messages(excinfo, "figures_year")
    saved = StructureFactory()
    integrity_error(lambda: Structure.objects.filter(pk=saved.pk).update(turnover=1000))
    integrity_error(
        lambda: Structure.objects.filter(pk=saved.pk).update(etp=Decimal("-1"), figures_year=2020)
    )


# Memberships -------------------------------------------------------------------


def test_membership_left_before_joined():
    membership = MembershipFactory.build(
        pole=PoleFactory(), structure=StructureFactory(), joined_year=2018, left_year=2016
    )
    with pytest.raises(ValidationError) as excinfo:
        membership.full_clean()
    assert "cannot precede the year joined" in messages(excinfo, "left_year")
    integrity_error(membership.save)


def test_a_pole_has_at_most_one_current_animator():
    first = MembershipFactory(role=Membership.Role.ANIMATOR)
    second = Membership(
        pole=first.pole, structure=StructureFactory(), role=Membership.Role.ANIMATOR
    )
    with pytest.raises(ValidationError) as excinfo:
        second.full_clean()
    assert "already has a current animator" in messages(excinfo)
    integrity_error(second.save)
    # Once the first animator has left, a new one can take over.
    first.joined_year, first.left_year = 2014, 2020
    first.save()
    second.full_clean()
    second.save()


# Colleges and cooperators ---------------------------------------------------------


def test_scic_college_weight_between_10_and_50():
    scic = PoleFactory(legal_form=LegalForm.objects.get(slug="scic"))
    college = College(pole=scic, name="Salariés", vote_weight=Decimal("60"))
    with pytest.raises(ValidationError) as excinfo:
        college.full_clean()
    assert "between 10 % and 50 %" in messages(excinfo, "vote_weight")
    association = PoleFactory(legal_form=LegalForm.objects.get(slug="association"))
    College(pole=association, name="Adhérents", vote_weight=Decimal("60")).full_clean()


def test_college_weight_is_a_percentage_in_the_database():
    college = CollegeFactory()
    integrity_error(lambda: College.objects.filter(pk=college.pk).update(vote_weight=150))


def test_college_weights_must_add_up_to_100():
    from members.models import validate_college_weights

    with pytest.raises(ValidationError) as excinfo:
        validate_college_weights(None, [Decimal(30), Decimal(30), Decimal(30)])
    assert "add up to 90 % instead of 100 %" in " ".join(excinfo.value.messages)
    validate_college_weights(None, [Decimal(50), Decimal("25.5"), Decimal("24.5")])


def test_cooperator_dates_shares_and_college_of_another_pole():
    cooperator = CooperatorFactory.build(
        pole=PoleFactory(),
        joined_on=date(2020, 5, 1),
        left_on=date(2019, 1, 1),
        college=CollegeFactory(),
    )
    with pytest.raises(ValidationError) as excinfo:
        cooperator.full_clean()
    assert "cannot precede the joining date" in messages(excinfo, "left_on")
    assert "college of this pole" in messages(excinfo, "college")
    saved = CooperatorFactory()
    integrity_error(lambda: Cooperator.objects.filter(pk=saved.pk).update(shares=-5))


def test_a_person_is_named_publicly_only_with_consent():
    person = CooperatorFactory(kind=Cooperator.Kind.PERSON, name="Personne Fictive")
    organisation = CooperatorFactory(kind=Cooperator.Kind.ORGANISATION, name="Org Fictive")
    assert person.public_name is None
    assert organisation.public_name == "Org Fictive"
    assert set(Cooperator.objects.publicly_named()) == {organisation}
    person.consents_to_publication = True
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean()
    assert "consent" in messages(excinfo, "consent_recorded_on")
    person.consent_recorded_on = date(2025, 1, 1)
    person.full_clean()
    person.save()
    assert person.public_name == "Personne Fictive"
