"""The pole of a pole's page, read by hand-built SQL (`selectors.pole_for_page`), is the
pole `pole_detail_queryset()` gives: the same fields, converted the same way, the same
related instances cached, on SQLite and PostgreSQL."""

import pytest

from poles import selectors
from poles.models import LegalForm, Pole, PolePhoto, Sector
from tests.factories import MembershipFactory, PoleFactory, located_pole

pytestmark = pytest.mark.django_db

RELATED = ("legal_form", "seat_commune", "main_sector")


def state(pole: Pole) -> dict:
    """Every loaded field of the pole and of the instances cached on it, its
    annotations, and which relations are cached (reading them costs no query)."""

    def fields(instance):
        if instance is None:
            return None
        return {
            field.attname: getattr(instance, field.attname)
            for field in instance._meta.concrete_fields
            if field.attname not in instance.get_deferred_fields()
        }

    commune = pole.seat_commune
    departement = commune.departement if commune else None
    return {
        "pole": fields(pole),
        "deferred": pole.get_deferred_fields(),
        "related": {name: fields(getattr(pole, name)) for name in RELATED},
        "departement": fields(departement),
        "region": fields(departement.region if departement else None),
        "membership_count": pole.membership_count,
        "has_photos": pole.has_photos,
        "types": {name: type(value) for name, value in fields(pole).items()},
    }


def test_a_full_pole_is_read_as_the_orm_reads_it(django_assert_num_queries):
    pole = located_pole(
        "60057",
        name="Pôle de test complet",
        legal_form=LegalForm.objects.order_by("pk").first(),
        main_sector=Sector.objects.order_by("pk").first(),
        founded_year=2016,
    )
    for _ in range(3):
        MembershipFactory(pole=pole)
    PolePhoto.objects.create(pole=pole, image="poles/photos/t.jpg", alt_text="Photo de test")
    with django_assert_num_queries(1):
        read = selectors.pole_for_page(pole.slug)
    expected = selectors.pole_detail_queryset().get(slug=pole.slug)
    with django_assert_num_queries(0):  # the relations are cached on both
        assert state(read) == state(expected)
    assert read.membership_count == 3 and read.has_photos is True
    assert read.seat_commune.departement.region.name == "Hauts-de-France"


def test_a_pole_without_seat_form_or_sector_is_read_as_the_orm_reads_it():
    pole = PoleFactory(name="Pôle de test sans siège", seat_commune=None, legal_form=None)
    Pole.objects.filter(pk=pole.pk).update(main_sector=None)
    read = selectors.pole_for_page(pole.slug)
    expected = selectors.pole_detail_queryset().get(slug=pole.slug)
    assert state(read) == state(expected)
    assert read.seat_commune is None and read.legal_form is None and read.main_sector is None
    assert read.membership_count == 0 and read.has_photos is False


def test_an_unpublished_or_unknown_pole_is_none():
    pole = located_pole("60057", name="Pôle de test caché", is_published=False)
    assert selectors.pole_for_page(pole.slug) is None
    assert selectors.pole_for_page("aucun-pole") is None
    assert selectors.pole_for_page("' OR 1=1 --") is None
