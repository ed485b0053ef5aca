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
