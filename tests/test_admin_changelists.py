"""Admin changelists: useful filters, and a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from editors.models import EditorProfile
from poles.models import Network, Sector
from territories.models import Region
from tests.factories import (
    KeyFigureFactory,
    MembershipFactory,
    StructureFactory,
    directory_poles,
    editor,
    located_pole,
)

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


def names(response):
    assert response.status_code == 200
    return {str(obj) for obj in response.context["cl"].result_list}


@pytest.fixture
def national_client(client):
    client.force_login(editor(Role.NATIONAL))
    return client


def test_pole_filters(national_client):
    this_year = timezone.now().year
    recent = located_pole("60333", name="Pôle de test récent", status="actif")
    old = located_pole("13055", name="Pôle de test ancien", status="en-sommeil")
    bare = located_pole("13055", name="Pôle de test sans chiffres", is_published=False)
    KeyFigureFactory(pole=recent, year=this_year - 1)
    KeyFigureFactory(pole=old, year=this_year - 3)
    sector = Sector.objects.first()
    network = Network.objects.create(slug="reseau-de-test", name="Réseau de test")
    recent.sectors.set([sector])
    old.networks.set([network])
    url = reverse("admin:poles_pole_changelist")
    get = national_client.get
    assert names(get(url, {"figures": "outdated"})) == {old.name, bare.name}
    assert names(get(url, {"figures": "recent"})) == {recent.name}
    assert names(get(url, {"status__exact": "en-sommeil"})) == {old.name}
    assert names(get(url, {"is_published__exact": "0"})) == {bare.name}
    assert names(get(url, {"seat_commune__departement__region__code__exact": "93"})) == {
        old.name,
        bare.name,
    }
    assert names(get(url, {"sectors__id__exact": sector.pk})) == {recent.name}
    assert names(get(url, {"networks__id__exact": network.pk})) == {old.name}
    assert names(get(url, {"q": "sans chiffres"})) == {bare.name}
    # A malformed filter value is not a server error.
    assert get(url, {"sectors__id__exact": "abc"}).status_code in (200, 302)


def test_structure_filters(national_client):
    with_siret = StructureFactory(name="Structure de test avec SIRET", siret="73282932000074")
    without = StructureFactory(name="Structure de test sans SIRET")
    url = reverse("admin:poles_structure_changelist")
    assert names(national_client.get(url, {"siret": "missing"})) == {without.name}
    assert names(national_client.get(url, {"siret": "given"})) == {with_siret.name}
    assert names(national_client.get(url, {"q": "avec siret"})) == {with_siret.name}


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        # Touch what the rows display.
        for obj in response.context["cl"].result_list:
            str(obj)
        response.render() if hasattr(response, "render") else None
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["national", "territorial"])
@pytest.mark.parametrize(
    ("url_name", "ceiling"),
    [("admin:poles_pole_changelist", 16), ("admin:poles_structure_changelist", 16)],
)
def test_changelist_queries_do_not_grow_with_the_data(client, role, url_name, ceiling):
    sectors = list(Sector.objects.all()[:3])
    network = Network.objects.create(slug="reseau-de-test", name="Réseau de test")
    if role == "national":
        user = editor(Role.NATIONAL)
    else:
        user = editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")])
    client.force_login(user)
    url = reverse(url_name)
    directory_poles(3, sectors=sectors, networks=[network])
    small = count_queries(client, url)
    poles = directory_poles(27, sectors=sectors, networks=[network])
    for pole in poles[:10]:
        MembershipFactory(pole=pole, structure=StructureFactory(siret=""))
    large = count_queries(client, url)
    assert large == small
    assert large <= ceiling
