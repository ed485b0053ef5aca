"""The scope of a territorial editor (editors.scopes): the union of the poles seated in
their régions and départements, those of their networks and those listed on their
profile, each pole once, whichever ways it matches."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from editors import scopes
from editors.models import EditorProfile
from poles.models import Network
from territories.models import Departement, Region
from tests.factories import PoleFactory, editor, located_pole

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


@pytest.fixture
def scope():
    """A territorial editor of Hauts-de-France (région 32), of Bouches-du-Rhône (13) and
    of Oise (60, in their région too), of two networks, with a pole listed on their
    profile; poles matching each rule, several rules, or none."""
    network, other_network = (
        Network.objects.create(slug=f"reseau-de-test-{n}", name=f"Réseau de test {n}")
        for n in (1, 2)
    )
    unrelated_network = Network.objects.create(slug="reseau-de-test-3", name="Réseau tiers")
    poles = {
        # Amiens (Somme): a département of the profile's région.
        "region": located_pole("80021", name="Pôle de test d'Amiens"),
        # Marseille: the profile's own département, in another région.
        "departement": located_pole("13055", name="Pôle de test de Marseille"),
        # Bordeaux: outside the territory, in one of the profile's networks.
        "network": located_pole("33063", name="Pôle de test de Bordeaux"),
        # Lyon: outside the territory and the networks, listed on the profile.
        "listed": located_pole("69123", name="Pôle de test de Lyon"),
        # Beauvais (Oise): in the région and the département, both networks, listed.
        "everywhere": located_pole("60057", name="Pôle de test de Beauvais"),
        "seatless_network": PoleFactory(name="Pôle de test sans siège du réseau"),
        # Paris, and Toulon (Var: the région of Marseille, not the profile's), a pole
        # without a seat: in none.
        "paris": located_pole("75056", name="Pôle de test de Paris"),
        "toulon": located_pole("83137", name="Pôle de test de Toulon"),
        "seatless": PoleFactory(name="Pôle de test hors de tout"),
    }
    poles["network"].networks.set([network])
    poles["everywhere"].networks.set([network, other_network])
    poles["seatless_network"].networks.set([other_network])
    poles["paris"].networks.set([unrelated_network])
    user = editor(
        Role.TERRITORIAL,
        regions=[Region.objects.get(code="32")],
        departements=Departement.objects.filter(code__in=["13", "60"]),
        networks=[network, other_network],
        poles=[poles["listed"], poles["everywhere"]],
    )
    return user, poles


IN_SCOPE = {"region", "departement", "network", "listed", "everywhere", "seatless_network"}


def test_the_scope_is_the_union_of_its_rules_each_pole_once(scope):
    user, poles = scope
    expected = {poles[key].pk for key in IN_SCOPE}
    listed = list(scopes.editable_poles(user).values_list("pk", flat=True))
    assert sorted(listed) == sorted(expected)  # no pole twice
    assert scopes.editable_poles(user).count() == len(expected)
    for key, pole in poles.items():
        assert scopes.can_edit_pole(user, pole) is (key in IN_SCOPE), key


def test_the_pole_changelist_lists_and_counts_the_scope(client, scope):
    user, poles = scope
    client.force_login(user)
    response = client.get(reverse("admin:poles_pole_changelist"))
    assert response.status_code == 200
    cl = response.context["cl"]
    listed = [pole.pk for pole in cl.result_list]
    assert sorted(listed) == sorted(poles[key].pk for key in IN_SCOPE)
    assert cl.result_count == len(listed)
    html = response.content.decode()
    for key in set(poles) - IN_SCOPE:
        assert poles[key].name not in html


def test_the_region_filter_offers_the_regions_of_the_scopes_seats(client, scope):
    user, _ = scope
    client.force_login(user)
    response = client.get(reverse("admin:poles_pole_changelist"))
    [spec] = [
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "field_path", "") == "seat_commune__departement__region"
    ]
    # Not Île-de-France (Paris is in none of the rules), no empty choice for the
    # seatless pole of a network.
    assert [title for _, title in spec.lookup_choices] == [
        "Auvergne-Rhône-Alpes",
        "Hauts-de-France",
        "Nouvelle-Aquitaine",
        "Provence-Alpes-Côte d'Azur",
    ]


def test_the_territory_is_not_a_join_of_every_poles_seat_commune(client, scope):
    """The territory is tested on the seat commune's key (`IN` the territory's communes):
    a join of the poles on the communes made PostgreSQL read all 35,000 communes for each
    count of a territorial editor's changelist and for its régions filter."""
    user, _ = scope
    assert 'JOIN "territories_commune"' not in str(scopes.editable_poles(user).query)
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:poles_pole_changelist"))
    assert response.status_code == 200
    queries = [query["sql"] for query in captured.captured_queries]
    count = [sql for sql in queries if sql.startswith("SELECT COUNT(")]
    regions = [sql for sql in queries if sql.startswith('SELECT "territories_region"')]
    assert count and regions
    for sql in count + regions:
        assert 'JOIN "territories_commune"' not in sql, sql
