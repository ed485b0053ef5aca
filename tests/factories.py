"""factory_boy factories. Everything they make is synthetic test data, named as such."""

import factory
from factory.django import DjangoModelFactory

from members.models import College, Cooperator
from poles.models import KeyFigure, Membership, Pole, Structure
from territories.models import Commune


class PoleFactory(DjangoModelFactory):
    class Meta:
        model = Pole
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pôle de test {n}")
    slug = factory.Sequence(lambda n: f"pole-de-test-{n}")
    summary = "Pôle synthétique créé pour les tests."
    status = Pole.Status.ACTIVE
    founded_year = 2015
    is_published = True

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)


class StructureFactory(DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Structure de test {n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    pole = factory.SubFactory(PoleFactory)
    structure = factory.SubFactory(StructureFactory)
    role = Membership.Role.MEMBER


class KeyFigureFactory(DjangoModelFactory):
    class Meta:
        model = KeyFigure

    pole = factory.SubFactory(PoleFactory)
    year = 2023
    etp = 10
    turnover = 500_000


class CollegeFactory(DjangoModelFactory):
    class Meta:
        model = College

    pole = factory.SubFactory(PoleFactory)
    name = factory.Sequence(lambda n: f"Collège {n}")
    vote_weight = 25


class CooperatorFactory(DjangoModelFactory):
    class Meta:
        model = Cooperator

    pole = factory.SubFactory(PoleFactory)
    kind = Cooperator.Kind.ORGANISATION
    name = factory.Sequence(lambda n: f"Coopérateur de test {n}")


def commune(code: str) -> Commune:
    return Commune.objects.select_related("departement__region").get(code=code)


def located_pole(code: str, **kwargs) -> Pole:
    """A published synthetic pole seated in the commune `code`, at its coordinates."""
    seat = Commune.objects.get(code=code)
    return PoleFactory(
        seat_commune=seat, latitude=seat.latitude, longitude=seat.longitude, **kwargs
    )


def directory_poles(count: int, *, sectors, pooling_types=(), networks=()) -> list[Pole]:
    """`count` located poles, each with sectors, a main sector, pooling types, networks,
    two member structures and two years of key figures: what the directory shows. Their
    derived data are refreshed once, at the end, as a bulk write of the site does (each
    way of writing is tested on its own in tests/poles/test_derived_data.py)."""
    from poles import derived
    from poles.services import refresh_search_texts

    poles = []
    with derived.batch():
        for index in range(count):
            pole = located_pole(
                "60333", sectors=sectors, main_sector=sectors[0] if sectors else None
            )
            pole.pooling_types.set(pooling_types)
            pole.networks.set(networks)
            MembershipFactory.create_batch(2, pole=pole)
            KeyFigureFactory(pole=pole, year=2022, etp=index)
            KeyFigureFactory(pole=pole, year=2023, etp=index + 1)
            poles.append(pole)
    refresh_search_texts(Pole.objects.filter(pk__in=[pole.pk for pole in poles]))
    return poles


def editor(role: str, *, username=None, regions=(), departements=(), networks=(), poles=()):
    """A synthetic staff editor with a profile, a scope and their editor group's permissions."""
    from django.contrib.auth import get_user_model

    from editors.models import EditorProfile
    from editors.services import setup_editor_groups, sync_editor_group

    setup_editor_groups()
    user = get_user_model().objects.create_user(
        username or f"editeur-test-{role}-{get_user_model().objects.count()}",
        email="editeur-test@example.org",
        password="pw-test-123",
        is_staff=True,
    )
    profile = EditorProfile.objects.create(user=user, role=role)
    profile.regions.set(regions)
    profile.departements.set(departements)
    profile.networks.set(networks)
    profile.poles.set(poles)
    sync_editor_group(user)
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions
