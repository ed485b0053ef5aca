"""Exports and the pole page know when anything shown about a pole changed.

Key figures, memberships, structures and cooperators are edited in their own admin
pages and imports, not only through the pole's form: each such change must move the
pole's `updated_at`, hence the exports' ETag, so that a client never gets a `304` for
changed content."""

from decimal import Decimal

import pytest

from poles.models import Pole
from tests.factories import (
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    StructureFactory,
    located_pole,
)

pytestmark = pytest.mark.django_db

EXPORT_URLS = ["/poles.csv", "/poles/structures.csv"]


@pytest.fixture
def pole():
    pole = located_pole("60333", name="Pôle synthétique de fraîcheur")
    KeyFigureFactory(pole=pole, year=2023, etp=Decimal("12.5"))
    MembershipFactory(pole=pole, structure=StructureFactory(name="Structure synthétique A"))
    return pole


def etag(client, url):
    response = client.get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    return response["ETag"]


def still_fresh(client, url, tag) -> bool:
    return client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_a_key_figure_edited_on_its_own_changes_the_etag(client, pole, url):
    tag = etag(client, url)
    assert still_fresh(client, url, tag)
    figure = pole.figures.get()
    figure.etp = Decimal("13.5")
    figure.save()
    assert not still_fresh(client, url, tag)


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_a_new_or_deleted_membership_changes_the_etag(client, pole, url):
    tag = etag(client, url)
    membership = MembershipFactory(pole=pole, structure=StructureFactory(name="Nouvelle B"))
    assert not still_fresh(client, url, tag)
    tag = etag(client, url)
    membership.delete()
    assert not still_fresh(client, url, tag)


def test_renaming_a_member_structure_moves_its_poles_updated_at(pole):
    before = Pole.objects.get(pk=pole.pk).updated_at
    structure = pole.memberships.get().structure
    structure.name = "Structure synthétique renommée"
    structure.save()
    assert Pole.objects.get(pk=pole.pk).updated_at > before


def test_a_cooperator_change_moves_the_poles_updated_at(pole):
    before = Pole.objects.get(pk=pole.pk).updated_at
    CooperatorFactory(pole=pole)
    assert Pole.objects.get(pk=pole.pk).updated_at > before
